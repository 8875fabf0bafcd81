// The training engine on a tiny synthetic table with the real tabular MLP: training learns,
// is reproducible, stops when asked or when validation stops improving, refuses a NaN loss;
// models save, load, clone and refuse truncated or corrupt files.

#include "core/ml/model.h"
#include "core/ml/split.h"
#include "core/ml/trainer.h"
#include "mlverify.h"
#include "plugins/tabularmlp/mlparchitecture.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace millrace;
using namespace millrace::ml;

namespace {

// Two features; the class is which side of the line x + y = 0 a point lies on, so a small
// network separates them almost perfectly.
Dataset twoClasses(std::size_t count, std::uint64_t seed)
{
    Dataset data;
    data.sampleShape = {2};
    data.classCount = 2;
    data.classNames = {"below", "above"};
    SplitMix64 generator(seed);
    auto uniform = [&] {
        return float(double(generator.next() >> 11) / double(1ull << 53)) * 2 - 1;
    };
    for (std::size_t i = 0; i < count; ++i) {
        const float x = uniform();
        const float y = uniform();
        data.features.push_back(x);
        data.features.push_back(y);
        data.classLabels.push_back(x + y > 0 ? 1 : 0);
    }
    return data;
}

double accuracyOf(const Model &model, const Dataset &data)
{
    auto predictions = predictWithLoss(model, data);
    if (!predictions)
        return -1;
    std::size_t correct = 0;
    for (std::size_t i = 0; i < data.size(); ++i)
        correct += predictions->classes[i] == data.classLabels[i];
    return double(correct) / double(data.size());
}

class CancelAfter : public TrainingObserver
{
public:
    explicit CancelAfter(std::size_t batches) : m_limit(batches) {}
    void onBatch(const BatchProgress &) override { ++m_seen; }
    bool stopRequested() const override { return m_seen >= m_limit; }
    std::size_t seen() const { return m_seen; }

private:
    std::size_t m_limit;
    std::size_t m_seen = 0;
};

const Architecture *lookup(const std::string &id)
{
    static const models::MlpArchitecture mlp;
    return id == mlp.id() ? &mlp : nullptr;
}

} // namespace

class TestModel : public QObject
{
    Q_OBJECT

private:
    models::MlpArchitecture m_mlp;
    Dataset m_train = twoClasses(600, 1);
    Dataset m_test = twoClasses(300, 2);
    TrainingOptions m_options = [] {
        TrainingOptions options;
        options.epochs = 8;
        options.batchSize = 32;
        options.learningRate = 0.01;
        options.intraOpThreads = 1;
        options.device = "cpu";
        return options;
    }();

    Model freshModel()
    {
        auto model =
            Model::create(m_mlp, {{"hidden_units", std::int64_t(16)}}, ModelSignature::of(m_train));
        if (!model)
            qFatal("%s", model.errorMessage().c_str());
        return *model;
    }

private Q_SLOTS:
    void trainingLearnsTheBoundary()
    {
        Model model = freshModel();
        const double before = accuracyOf(model, m_test);
        auto summary = train(model, m_train, m_options);
        ML_VERIFY_OK(summary);
        QCOMPARE(summary->outcome, TrainingOutcome::Finished);
        QCOMPARE(int(summary->epochs.size()), m_options.epochs);
        QCOMPARE(summary->device, std::string("cpu"));
        QVERIFY(summary->epochs.back().trainLoss < summary->epochs.front().trainLoss);
        const double after = accuracyOf(model, m_test);
        QVERIFY2(after >= 0.95,
                 qPrintable(QStringLiteral("accuracy %1 (before %2)").arg(after).arg(before)));
    }

    void theSameSeedGivesTheSameModel()
    {
        Model first = freshModel();
        Model second = freshModel();
        TrainingOptions options = m_options;
        options.epochs = 2;
        options.validationFraction = 0.2;
        auto a = train(first, m_train, options);
        auto b = train(second, m_train, options);
        ML_VERIFY_OK(a);
        ML_VERIFY_OK(b);
        QCOMPARE(a->epochs.back().trainLoss, b->epochs.back().trainLoss);
        QCOMPARE(a->epochs.back().validationLoss, b->epochs.back().validationLoss);
        QCOMPARE(*first.predict(m_test), *second.predict(m_test));

        Model third = freshModel();
        options.seed = 7;
        auto c = train(third, m_train, options);
        ML_VERIFY_OK(c);
        QVERIFY(c->epochs.back().trainLoss != a->epochs.back().trainLoss);
    }

    void stopsBetweenBatchesWhenAsked()
    {
        Model model = freshModel();
        CancelAfter observer(5);
        auto summary = train(model, m_train, m_options, &observer);
        ML_VERIFY_OK(summary);
        QCOMPARE(summary->outcome, TrainingOutcome::Cancelled);
        QCOMPARE(observer.seen(), std::size_t(5));
        QVERIFY(summary->epochs.empty());
    }

    void stopsEarlyWhenValidationStopsImproving()
    {
        Model model = freshModel();
        TrainingOptions options = m_options;
        options.epochs = 60;
        options.validationFraction = 0.25;
        options.patience = 2;
        auto summary = train(model, m_train, options);
        ML_VERIFY_OK(summary);
        QCOMPARE(summary->outcome, TrainingOutcome::EarlyStopped);
        QVERIFY(int(summary->epochs.size()) < options.epochs);
        QCOMPARE(int(summary->epochs.size()), summary->bestEpoch + options.patience);
        for (const EpochMetrics &epoch : summary->epochs)
            QVERIFY(epoch.validationLoss >= summary->epochs[summary->bestEpoch - 1].validationLoss);
    }

    void aNanLossFailsWithTheReason()
    {
        Model model = freshModel();
        Dataset poisoned = m_train;
        poisoned.features[10] = std::nanf("");
        ML_VERIFY_FAILS(train(model, poisoned, m_options), "loss became NaN", "epoch 1");
    }

    void badOptionsAndDataAreRefused()
    {
        Model model = freshModel();
        TrainingOptions options = m_options;
        options.optimizer = "adagrad";
        ML_VERIFY_FAILS(train(model, m_train, options), "unknown optimizer 'adagrad'");
        options = m_options;
        options.epochs = 0;
        ML_VERIFY_FAILS(train(model, m_train, options), "epochs");
        Dataset wide = m_train;
        wide.sampleShape = {1, 2};
        ML_VERIFY_FAILS(train(model, wide, m_options), "shape {2}", "{1, 2}");
        ML_VERIFY_FAILS(withTrainingHyperparameters(m_options, {{"momentum", 0.5}}),
                        "unknown training hyperparameter 'momentum'");
        auto applied = withTrainingHyperparameters(
            m_options, {{"learning_rate", 0.5}, {"optimizer", std::string("sgd")}});
        ML_VERIFY_OK(applied);
        QCOMPARE(applied->learningRate, 0.5);
        QCOMPARE(applied->optimizer, std::string("sgd"));
        QCOMPARE(applied->batchSize, m_options.batchSize);
    }

    void savedModelsLoadWithTheSamePredictions()
    {
        Model model = freshModel();
        ML_VERIFY_OK(train(model, m_train, m_options));
        model.setPreprocessing(R"({"kind":"test"})");
        QTemporaryDir dir;
        const std::string folder = dir.filePath(QStringLiteral("model")).toStdString();
        ML_VERIFY_OK(model.save(folder));
        auto loaded = Model::load(folder, lookup);
        ML_VERIFY_OK(loaded);
        QCOMPARE(loaded->architectureId(), std::string("tabular-mlp"));
        QCOMPARE(loaded->signature().classNames, m_train.classNames);
        QCOMPARE(loaded->preprocessing(), std::string(R"({"kind":"test"})"));
        QCOMPARE(std::get<std::int64_t>(loaded->hyperparameters().at("hidden_units")),
                 std::int64_t(16));
        QCOMPARE(*loaded->predict(m_test), *model.predict(m_test));
        QCOMPARE(loaded->parameterCount(), model.parameterCount());
    }

    void clonesTrainApart()
    {
        Model model = freshModel();
        ML_VERIFY_OK(train(model, m_train, m_options));
        auto copy = model.clone();
        ML_VERIFY_OK(copy);
        const auto before = *model.predict(m_test);
        QCOMPARE(*copy->predict(m_test), before);
        TrainingOptions options = m_options;
        options.learningRate = 0.1;
        ML_VERIFY_OK(train(*copy, m_train, options));
        QCOMPARE(*model.predict(m_test), before);
        QVERIFY(*copy->predict(m_test) != before);
    }

    void damagedModelFoldersAreRefused()
    {
        Model model = freshModel();
        QTemporaryDir dir;
        const std::filesystem::path folder = dir.filePath(QStringLiteral("model")).toStdString();
        ML_VERIFY_OK(model.save(folder.string()));
        const auto weights = folder / "weights.pt";
        const auto size = std::filesystem::file_size(weights);

        {
            std::fstream file(weights, std::ios::in | std::ios::out | std::ios::binary);
            file.seekp(std::streamoff(size / 2));
            char byte = 0;
            file.read(&byte, 1);
            file.seekp(std::streamoff(size / 2));
            byte = char(byte ^ 0x5a);
            file.write(&byte, 1);
        }
        ML_VERIFY_FAILS(Model::load(folder.string(), lookup), "weights.pt", "corrupt");

        std::filesystem::resize_file(weights, size / 2);
        ML_VERIFY_FAILS(Model::load(folder.string(), lookup), "weights.pt", "truncated");

        ML_VERIFY_FAILS(Model::load(folder.string(),
                                    [](const std::string &) {
                                        return static_cast<const Architecture *>(nullptr);
                                    }),
                        "architecture 'tabular-mlp' is not available");

        std::ofstream(folder / "model.json") << "{\"format\": \"millrace-model\"";
        ML_VERIFY_FAILS(Model::load(folder.string(), lookup), "model.json", "not valid JSON");
        std::filesystem::remove(folder / "model.json");
        ML_VERIFY_FAILS(Model::load(folder.string(), lookup), "model.json");
    }

    void checkpointsAreWholeModels()
    {
        Model model = freshModel();
        QTemporaryDir dir;
        TrainingOptions options = m_options;
        options.epochs = 2;
        options.checkpointDirectory = dir.filePath(QStringLiteral("checkpoint")).toStdString();
        ML_VERIFY_OK(train(model, m_train, options));
        auto loaded = Model::load(options.checkpointDirectory, lookup);
        ML_VERIFY_OK(loaded);
        QCOMPARE(*loaded->predict(m_test), *model.predict(m_test));
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
