// The inference plan (core/ml/inferenceplan.h) against the network it was made from: the
// shipped architectures with batch norms whose statistics are not the identity (so folding
// matters), pooling over odd sizes, batches of one and more, several threads at once; that the
// caller's samples are never overwritten; and what it refuses (a layer it does not know, a
// forward() that is not the layer chain, samples of the wrong size). Expected outputs always
// come from Model::predict, which runs the network's own forward().

#include "core/ml/inferenceplan.h"
#include "core/ml/modelstate.h"
#include "mlverify.h"
#include "testnetworks.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <QTest>

#include <cmath>
#include <limits>
#include <random>
#include <thread>

using namespace millrace::ml;
using namespace millrace::ml::testing;

namespace {

/// Gives every batch norm of `model` running statistics and affine parameters far from the
/// identity, as training leaves them.
void perturbBatchNorms(Model &model, unsigned seed)
{
    torch::NoGradGuard noGrad;
    torch::manual_seed(seed);
    auto perturb = [](auto &norm) {
        norm.running_mean.copy_(torch::randn_like(norm.running_mean));
        norm.running_var.copy_(torch::rand_like(norm.running_var) * 3 + 0.1);
        norm.weight.copy_(torch::randn_like(norm.weight));
        norm.bias.copy_(torch::randn_like(norm.bias));
    };
    for (const auto &module : model.state().network->modules()) {
        if (auto *norm = dynamic_cast<torch::nn::BatchNorm2dImpl *>(module.get()))
            perturb(*norm);
        else if (auto *norm1d = dynamic_cast<torch::nn::BatchNorm1dImpl *>(module.get()))
            perturb(*norm1d);
    }
}

Dataset randomSamples(const ModelSignature &signature, std::size_t count, unsigned seed)
{
    Dataset data;
    data.task = signature.task;
    data.classCount = signature.task == TaskKind::Classification ? signature.outputs : 0;
    data.sampleShape = signature.sampleShape;
    std::mt19937 random(seed);
    std::normal_distribution<float> value(0.3f, 1.0f);
    data.features.resize(count * data.featureCount());
    for (float &feature : data.features)
        feature = value(random);
    return data;
}

void verifySameOutputs(const std::vector<float> &planned, const std::vector<float> &expected)
{
    QCOMPARE(planned.size(), expected.size());
    for (std::size_t i = 0; i < planned.size(); ++i)
        QVERIFY2((std::isnan(planned[i]) && std::isnan(expected[i]))
                     || std::abs(planned[i] - expected[i]) <= 1e-4f + 1e-4f * std::abs(expected[i]),
                 qPrintable(QStringLiteral("output %1: plan %2, network %3")
                                .arg(i)
                                .arg(planned[i])
                                .arg(expected[i])));
}

/// Flatten, then ReLU: the ReLU's input is a view of the caller's samples.
class FlattenFirstNetwork : public Network
{
public:
    FlattenFirstNetwork()
    {
        m_layers =
            register_module("layers", torch::nn::Sequential(torch::nn::Flatten(), torch::nn::ReLU(),
                                                            torch::nn::Linear(6, 2)));
    }
    torch::Tensor forward(torch::Tensor input) override { return m_layers->forward(input); }

private:
    torch::nn::Sequential m_layers{nullptr};
};

/// Max pooling straight on {channels, 9, 9} samples, then a linear layer.
class PoolingNetwork : public Network
{
public:
    explicit PoolingNetwork(std::int64_t window)
    {
        const std::int64_t side = 9 / window;
        m_layers = register_module(
            "layers", torch::nn::Sequential(torch::nn::MaxPool2d(window), torch::nn::Flatten(),
                                            torch::nn::Linear(2 * side * side, 3)));
    }
    torch::Tensor forward(torch::Tensor input) override { return m_layers->forward(input); }

private:
    torch::nn::Sequential m_layers{nullptr};
};

} // namespace

class TestInferencePlan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answersAsTheCnn_data()
    {
        QTest::addColumn<qint64>("convLayers");
        QTest::addColumn<bool>("batchNorm");
        QTest::addColumn<int>("rows");
        QTest::newRow("one block, one image") << qint64(1) << false << 1;
        QTest::newRow("two blocks with batch norm, one image") << qint64(2) << true << 1;
        QTest::newRow("two blocks with batch norm, a batch") << qint64(2) << true << 7;
        // The linear layers' two ways, either side of the boundary (kMaxRowsAsVectorProducts).
        QTest::newRow("two blocks, three images") << qint64(2) << false << 3;
        QTest::newRow("two blocks with batch norm, four images") << qint64(2) << true << 4;
        // 28 -> 14 -> 7 -> 3: the last pooling drops a row and a column.
        QTest::newRow("three blocks, odd sizes") << qint64(3) << true << 4;
    }
    void answersAsTheCnn()
    {
        QFETCH(qint64, convLayers);
        QFETCH(bool, batchNorm);
        QFETCH(int, rows);
        Model model = smallCnn(convLayers, batchNorm);
        perturbBatchNorms(model, 11);
        auto plan = InferencePlan::compile(model);
        ML_VERIFY_OK(plan);
        QCOMPARE((*plan)->outputs(), std::size_t(10));
        if (batchNorm) {
            const auto &steps = (*plan)->description();
            QVERIFY(std::any_of(steps.begin(), steps.end(), [](const std::string &step) {
                return step.find("folded") != std::string::npos;
            }));
        }
        const Dataset samples = randomSamples(model.signature(), std::size_t(rows), 3);
        auto expected = model.predict(samples, std::size_t(rows));
        ML_VERIFY_OK(expected);
        auto planned = (*plan)->run(samples.features);
        ML_VERIFY_OK(planned);
        verifySameOutputs(*planned, *expected);
    }

    void poolsAsLibTorch_data()
    {
        QTest::addColumn<qint64>("window");
        QTest::addColumn<bool>("withNan");
        QTest::newRow("2x2 over odd sides") << qint64(2) << false;
        QTest::newRow("3x3") << qint64(3) << false;
        QTest::newRow("2x2, a NaN wins its window") << qint64(2) << true;
        QTest::newRow("3x3, a NaN wins its window") << qint64(3) << true;
    }
    void poolsAsLibTorch()
    {
        QFETCH(qint64, window);
        QFETCH(bool, withNan);
        const TestArchitecture architecture(
            [window] { return std::make_shared<PoolingNetwork>(window); });
        ModelSignature signature;
        signature.sampleShape = {2, 9, 9};
        signature.outputs = 3;
        auto model = Model::create(architecture, {}, signature, 6);
        ML_VERIFY_OK(model);
        auto plan = InferencePlan::compile(*model);
        ML_VERIFY_OK(plan);
        Dataset samples = randomSamples(signature, 3, 12);
        if (withNan)
            samples.features[81 + 10] = std::numeric_limits<float>::quiet_NaN(); // sample 0
        auto expected = model->predict(samples, 3);
        ML_VERIFY_OK(expected);
        auto planned = (*plan)->run(samples.features);
        ML_VERIFY_OK(planned);
        verifySameOutputs(*planned, *expected);
        QCOMPARE(std::isnan((*planned)[0]), withNan);
        QVERIFY(!std::isnan((*planned)[3])); // sample 1 has no NaN
    }

    // A NaN or an infinity in a sample reaches its outputs as through the network itself.
    void nonFiniteInputsAnswerAsTheNetwork_data()
    {
        QTest::addColumn<float>("value");
        QTest::newRow("NaN") << std::numeric_limits<float>::quiet_NaN();
        QTest::newRow("infinity") << std::numeric_limits<float>::infinity();
    }
    void nonFiniteInputsAnswerAsTheNetwork()
    {
        QFETCH(float, value);
        Model model = smallCnn(2, true);
        perturbBatchNorms(model, 17);
        auto plan = InferencePlan::compile(model);
        ML_VERIFY_OK(plan);
        Dataset samples = randomSamples(model.signature(), 2, 5);
        samples.features[28 * 14 + 14] = value; // sample 0, mid-image
        auto expected = model.predict(samples, 2);
        ML_VERIFY_OK(expected);
        QVERIFY(std::isnan((*expected)[0])); // what the network makes of it
        auto planned = (*plan)->run(samples.features);
        ML_VERIFY_OK(planned);
        verifySameOutputs(*planned, *expected);
    }

    void answersAsTheMlp()
    {
        static const millrace::models::MlpArchitecture mlp;
        auto model = Model::create(mlp, {}, tableSignature(5, 3), 9);
        ML_VERIFY_OK(model);
        perturbBatchNorms(*model, 5);
        auto plan = InferencePlan::compile(*model);
        ML_VERIFY_OK(plan);
        // One row and six: the linear layers' two ways (kMaxRowsAsVectorProducts).
        for (std::size_t rows : {std::size_t(1), std::size_t(6)}) {
            const Dataset samples = randomSamples(model->signature(), rows, 8);
            auto expected = model->predict(samples, rows);
            ML_VERIFY_OK(expected);
            auto planned = (*plan)->run(samples.features);
            ML_VERIFY_OK(planned);
            verifySameOutputs(*planned, *expected);
        }
    }

    void theCallersSamplesAreNotOverwritten()
    {
        const TestArchitecture architecture([] { return std::make_shared<FlattenFirstNetwork>(); });
        auto model = Model::create(architecture, {}, tableSignature(6, 2), 4);
        ML_VERIFY_OK(model);
        auto plan = InferencePlan::compile(*model);
        ML_VERIFY_OK(plan);
        const Dataset samples = randomSamples(model->signature(), 3, 2);
        QVERIFY(std::any_of(samples.features.begin(), samples.features.end(),
                            [](float value) { return value < 0; }));
        const std::vector<float> before = samples.features;
        auto planned = (*plan)->run(samples.features);
        ML_VERIFY_OK(planned);
        QVERIFY(samples.features == before);
        auto expected = model->predict(samples, 3);
        ML_VERIFY_OK(expected);
        verifySameOutputs(*planned, *expected);
    }

    // Also fails, 4 runs in 10, on a BLAS that is not safe to call from several threads at once
    // (Debian's libopenblas0-serial: two threads' products share its buffers).
    void threadsShareOnePlan()
    {
        Model model = smallCnn(2, true);
        perturbBatchNorms(model, 21);
        auto plan = InferencePlan::compile(model);
        ML_VERIFY_OK(plan);
        std::vector<Dataset> samples;
        std::vector<std::vector<float>> expected;
        for (unsigned i = 0; i < 4; ++i) {
            samples.push_back(randomSamples(model.signature(), 1 + i, 100 + i));
            auto outputs = model.predict(samples.back(), 1 + i);
            ML_VERIFY_OK(outputs);
            expected.push_back(*outputs);
        }
        std::vector<int> mismatches(samples.size(), 0);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < samples.size(); ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 300; ++round) {
                    auto outputs = (*plan)->run(samples[t].features);
                    if (!outputs || *outputs != (*plan)->run(samples[t].features).value())
                        ++mismatches[t];
                }
            });
        for (std::thread &thread : threads)
            thread.join();
        for (std::size_t t = 0; t < samples.size(); ++t) {
            QCOMPARE(mismatches[t], 0);
            auto outputs = (*plan)->run(samples[t].features);
            ML_VERIFY_OK(outputs);
            verifySameOutputs(*outputs, expected[t]);
        }
    }

    void samplesOfTheWrongSizeAreRefused()
    {
        auto plan = InferencePlan::compile(smallCnn(1, false));
        ML_VERIFY_OK(plan);
        const std::vector<float> partial(28 * 28 + 5, 0.5f);
        ML_VERIFY_FAILS((*plan)->run(partial), "789 values are not whole samples of 784");
        auto none = (*plan)->run(std::vector<float>{});
        ML_VERIFY_OK(none);
        QVERIFY(none->empty());
    }

    void aLayerItDoesNotKnowIsNamed()
    {
        const TestArchitecture architecture([] {
            return std::make_shared<ChainNetwork>(
                torch::nn::Sequential(torch::nn::Softplus(), torch::nn::Linear(4, 3)));
        });
        auto model = Model::create(architecture, {}, tableSignature(3, 3));
        ML_VERIFY_OK(model);
        ML_VERIFY_FAILS(InferencePlan::compile(*model), "layer 'classifier.0'",
                        "torch::nn::Softplus", "not one the inference plan knows");
    }

    void aForwardThatIsNotTheLayerChainIsRefused()
    {
        const TestArchitecture architecture([] { return std::make_shared<ResidualNetwork>(); });
        auto model = Model::create(architecture, {}, tableSignature(3, 3));
        ML_VERIFY_OK(model);
        ML_VERIFY_FAILS(InferencePlan::compile(*model), "not its layers applied in order");
    }
};

QTEST_APPLESS_MAIN(TestInferencePlan)
#include "tst_inferenceplan.moc"
