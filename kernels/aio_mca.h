/* Cycle-model regions (make mca).
 *
 * AIO_MCA_BEGIN("name") / AIO_MCA_END() bracket the steady-state inner loop
 * of a micro-kernel. In a normal build they expand to nothing. Built with
 * -DAIO_MCA (only by `make mca`, from -S assembly that is never linked),
 * they emit the `# LLVM-MCA-BEGIN name` / `# LLVM-MCA-END` comments that
 * llvm-mca reads, so the model sees exactly the instructions of one loop
 * iteration as the compiler scheduled them.
 *
 * Put BEGIN as the first statement of the loop body and END as the last:
 * the volatile asm keeps their place in the iteration. No clobbers: the
 * marked build must schedule the loop as the real one does. Names follow the
 * kernel's own (e.g. "aio_f32_gemm_ukernel_8x12__neon"). */
#ifndef AIO_MCA_H
#define AIO_MCA_H

#ifdef AIO_MCA
#define AIO_MCA_BEGIN(name) __asm__ volatile("# LLVM-MCA-BEGIN " name)
#define AIO_MCA_END() __asm__ volatile("# LLVM-MCA-END")
#else
#define AIO_MCA_BEGIN(name) ((void)0)
#define AIO_MCA_END() ((void)0)
#endif

#endif
