#include "core/ml/torchruntime.h"

#include <torch/torch.h>
#include <torch/version.h>

namespace millrace::ml {

TorchRuntimeInfo torchRuntimeInfo()
{
    return TorchRuntimeInfo{TORCH_VERSION, torch::cuda::is_available(), at::get_num_threads()};
}

void setIntraOpThreads(int threads)
{
    if (threads > 0)
        at::set_num_threads(threads);
}

} // namespace millrace::ml
