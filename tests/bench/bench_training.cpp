// Training throughput of the image CNN plugin's default network through ml::train() on the
// first Fashion-MNIST training images (the dataset-fashion-mnist package): batch 64, Adam at
// 1e-3, the median images/s of a few timed epochs after one untimed warm-up epoch on a small
// slice. bench_training.sh runs training/cnn_torch.py, the same network in PyTorch, beside it.
//
//   bench_training [--images N] [--epochs N] [--threads N]...
//
// Without --threads it measures 1 and 2 threads, one after the other in this process.

#include "core/ml/idx.h"
#include "core/ml/model.h"
#include "core/ml/torchruntime.h"
#include "core/ml/trainer.h"
#include "plugins/imagecnn/cnnarchitecture.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace millrace;
using namespace millrace::ml;

namespace {

constexpr std::size_t kWarmUpImages = 1024;
constexpr std::uint64_t kSeed = 1;

class EpochRecorder : public TrainingObserver
{
public:
    void onEpoch(const EpochMetrics &epoch) override { rates.push_back(epoch.samplesPerSecond); }
    std::vector<double> rates;
};

[[noreturn]] void die(const std::string &message)
{
    std::fprintf(stderr, "bench_training: %s\n", message.c_str());
    std::exit(1);
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

Dataset firstImages(const Dataset &data, std::size_t count)
{
    std::vector<std::size_t> indices(std::min(count, data.size()));
    for (std::size_t i = 0; i < indices.size(); ++i)
        indices[i] = i;
    return data.subset(indices);
}

// Median images/s of `epochs` timed epochs on `data` with `threads` LibTorch threads, after
// one warm-up epoch on `warmUp` (the same model, so its first-call allocations are done).
double imagesPerSecond(const Dataset &data, const Dataset &warmUp, int threads, int epochs)
{
    const models::CnnArchitecture cnn;
    auto model = Model::create(cnn, {}, ModelSignature::of(data), kSeed);
    if (!model)
        die(model.error().message);
    TrainingOptions options;
    options.batchSize = 64;
    options.optimizer = "adam";
    options.learningRate = 1e-3;
    options.seed = kSeed;
    options.intraOpThreads = threads;
    options.device = "cpu";

    options.epochs = 1;
    if (auto warmed = ml::train(*model, warmUp, options); !warmed)
        die(warmed.error().message);

    options.epochs = epochs;
    EpochRecorder recorder;
    if (auto trained = ml::train(*model, data, options, &recorder); !trained)
        die(trained.error().message);
    return median(recorder.rates);
}

int positiveNumber(std::string_view flag, const char *text)
{
    char *end = nullptr;
    const long value = text ? std::strtol(text, &end, 10) : 0;
    if (!text || *end != '\0' || value < 1 || value > 1'000'000)
        die(std::string(flag) + " needs a positive whole number");
    return int(value);
}

} // namespace

int main(int argc, char **argv)
{
    // As the app does (core/ml/torchruntime.h).
    millrace::ml::keepBlasToOneThread();
    int images = 12000;
    int epochs = 3;
    std::vector<int> threadCounts;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (flag == "--images")
            images = positiveNumber(flag, value);
        else if (flag == "--epochs")
            epochs = positiveNumber(flag, value);
        else if (flag == "--threads")
            threadCounts.push_back(positiveNumber(flag, value));
        else
            die("usage: bench_training [--images N] [--epochs N] [--threads N]...");
        ++i;
    }
    if (threadCounts.empty())
        threadCounts = {1, 2};

    auto all = readFashionMnist(fashionMnistDefaultDirectory(), FashionMnistPart::Train);
    if (!all)
        die(all.error().message + " (install dataset-fashion-mnist)");
    const Dataset data = firstImages(*all, std::size_t(images));
    const Dataset warmUp = firstImages(*all, kWarmUpImages);
    all->features.clear();
    all->features.shrink_to_fit();

    for (int threads : threadCounts) {
        const double rate = imagesPerSecond(data, warmUp, threads, epochs);
        std::printf("BENCH training_cnn_fashion_mnist_millrace_%d_thread%s %.1f images/s\n",
                    threads, threads == 1 ? "" : "s", rate);
        std::fflush(stdout);
    }
    return 0;
}
