#pragma once

#include <string>

namespace millrace::ml {

/// What the training engine runs on, for --version, the status bar and logs.
struct TorchRuntimeInfo
{
    std::string version; ///< LibTorch version, e.g. "1.13.1"
    bool cudaAvailable;  ///< a CUDA device can be used
    int intraOpThreads;  ///< threads LibTorch uses inside one operation
};

/// Describes the LibTorch runtime this build links.
TorchRuntimeInfo torchRuntimeInfo();

/// Sets how many threads LibTorch uses inside one operation (0 keeps its default).
void setIntraOpThreads(int threads);

} // namespace millrace::ml
