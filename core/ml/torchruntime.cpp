#include "core/ml/torchruntime.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <dlfcn.h>

namespace millrace::ml {

namespace {

// OpenBLAS's own entry points, looked up at run time: the build links the generic libblas.so.3,
// which may be any BLAS.
template <typename Function> Function openBlasFunction(const char *name)
{
    return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}

} // namespace

TorchRuntimeInfo torchRuntimeInfo()
{
    std::string blas = "reference BLAS or another";
    const auto config = openBlasFunction<char *(*)()>("openblas_get_config");
    const auto threads = openBlasFunction<int (*)()>("openblas_get_num_threads");
    if (config && threads) {
        const int count = threads();
        blas = std::string(config()) + " (" + std::to_string(count)
               + (count == 1 ? " thread)" : " threads)");
    }
    return TorchRuntimeInfo{TORCH_VERSION, torch::cuda::is_available(), at::get_num_threads(),
                            blas};
}

void setIntraOpThreads(int threads)
{
    if (threads > 0)
        at::set_num_threads(threads);
}

void keepBlasToOneThread()
{
    if (const auto setThreads = openBlasFunction<void (*)(int)>("openblas_set_num_threads"))
        setThreads(1);
}

} // namespace millrace::ml
