/* Element types the activation and softmax kernels read and write. */
#ifndef AIO_VM_DTYPE_H
#define AIO_VM_DTYPE_H

enum aio_dt { AIO_DT_F32 = 0, AIO_DT_F16 = 1, AIO_DT_BF16 = 2 };

#endif
