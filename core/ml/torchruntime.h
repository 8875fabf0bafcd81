#pragma once

#include <string>

namespace millrace::ml {

/// What the training engine runs on, for --version, the status bar and logs.
struct TorchRuntimeInfo
{
    std::string version; ///< LibTorch version, e.g. "1.13.1"
    bool cudaAvailable;  ///< a CUDA device can be used
    int intraOpThreads;  ///< threads LibTorch uses inside one operation
    /// The BLAS LibTorch's matrix products run on, e.g. "OpenBLAS 0.3.21 (1 thread)", or
    /// "reference BLAS or another" when it is not OpenBLAS.
    std::string blas;
};

/// Describes the LibTorch runtime this build links.
TorchRuntimeInfo torchRuntimeInfo();

/// Sets how many threads LibTorch uses inside one operation (0 keeps its default).
void setIntraOpThreads(int threads);

/// Keeps OpenBLAS, when it is the libblas.so.3 LibTorch loaded, to one thread per call. LibTorch
/// already splits work over its own threads, and serving runs one product per worker: OpenBLAS's
/// own threads on top made serving's p99 ten times worse. (Debian's single-threaded build,
/// libopenblas0-serial, is no way out: it is not safe to call from several threads at once and
/// gave wrong outputs under concurrent inference.) Call once, early; without OpenBLAS it does
/// nothing.
void keepBlasToOneThread();

} // namespace millrace::ml
