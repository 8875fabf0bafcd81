// Training jobs end to end through a real workspace and the built-in model plugins: a run with
// its params, per-epoch metrics, test metrics and artifacts; a search of nested trial runs with
// the best marked; a NaN loss, a cancellation and bad input each leaving the workspace
// consistent.

#include "core/ml/idx.h"
#include "core/plugins/pluginmanager.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/training/trainingjob.h"
#include "core/training/trainingrequest.h"
#include "core/workspace/session.h"
#include "testsupport/verify.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <functional>

using namespace millrace;
using namespace millrace::training;
using namespace Qt::StringLiterals;

// Checks that a Result failed with a message containing `fragment`.
#define VERIFY_FAILS_WITH(expression, fragment)                                                    \
    do {                                                                                           \
        const auto &result_ = (expression);                                                        \
        QVERIFY2(!result_.hasValue(), "succeeded, but should have failed");                        \
        QVERIFY2(result_.errorMessage().contains(fragment), qPrintable(result_.errorMessage()));   \
    } while (false)

namespace {

// A table whose class follows from two numeric columns and one categorical column.
QString writeCsv(const QString &path, int rows, bool withColour = true)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write(withColour ? "x,y,colour,label\n" : "x,y,label\n");
    for (int i = 0; i < rows; ++i) {
        const double x = std::sin(i * 12.9898) * 3;
        const double y = std::cos(i * 78.233) * 3;
        const QByteArray colour = i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue";
        const bool positive = x + y + (colour == "red" ? 1.5 : 0) > 0;
        QByteArray line = QByteArray::number(x) + ',' + QByteArray::number(y);
        if (withColour)
            line += ',' + colour;
        line += positive ? ",yes\n" : ",no\n";
        file.write(line);
    }
    return path;
}

TrainingRequest csvRequest(const QString &csv)
{
    TrainingRequest request;
    request.experimentName = u"tabular"_s;
    request.runName = u"mlp"_s;
    request.data.kind = DataSpec::Kind::Csv;
    request.data.path = csv;
    request.data.schema.features = {{"x", ml::ColumnKind::Numeric},
                                    {"y", ml::ColumnKind::Numeric},
                                    {"colour", ml::ColumnKind::Categorical}};
    request.data.schema.label = {"label", ml::ColumnKind::Categorical};
    request.architectureId = u"tabular-mlp"_s;
    request.architectureHyperparameters = {{"hidden_units", std::int64_t(16)}};
    request.training.epochs = 6;
    request.training.batchSize = 32;
    request.training.learningRate = 0.01;
    request.training.intraOpThreads = 1;
    request.training.device = "cpu";
    return request;
}

class Recorder : public TrainingJobObserver
{
public:
    void runCreated(const QString &runId, int trial) override { created.append({runId, trial}); }
    void progress(const TrainingProgress &progress) override
    {
        ++progressReports;
        lastFraction = progress.fraction;
        if (cancelOnFirstProgress)
            cancelOnFirstProgress->cancel();
    }
    void epochFinished(const QString &runId, int, const ml::EpochMetrics &metrics) override
    {
        ++epochs;
        // The checkpoint of the epoch before is on disk, whole, while the run trains on.
        if (metrics.epoch == 2 && checkpointOf)
            checkpointSeen = QFile::exists(checkpointOf(runId) + u"/model.json"_s)
                             && QFile::exists(checkpointOf(runId) + u"/weights.pt"_s);
    }

    std::function<QString(const QString &runId)> checkpointOf;
    bool checkpointSeen = false;

    QList<QPair<QString, int>> created;
    int progressReports = 0;
    int epochs = 0;
    double lastFraction = 0;
    CancellationSource *cancelOnFirstProgress = nullptr;
};

} // namespace

class TestTrainingJob : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
    QString m_csv;

    tracking::TrackingStore &tracking() { return m_session->tracking(); }
    ml::ArchitectureLookup architectures() { return pluginArchitectures(m_session->plugins()); }

    int runCount()
    {
        auto experiment = tracking().experimentByName(u"tabular"_s);
        if (!experiment)
            return 0;
        auto page = tracking().searchRuns({experiment->id}, QString(), tracking::ViewType::All,
                                          1000, {}, QString());
        return page ? int(page->items.size()) : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        SessionOptions options;
        options.trackingServer = false;
        options.pluginDirs = PluginManager::defaultSearchPaths();
        auto session = Session::open(m_dir.filePath(u"workspace"_s), options);
        VERIFY_OK(session);
        m_session = std::move(*session);
        m_csv = writeCsv(m_dir.filePath(u"table.csv"_s), 600);
        QVERIFY2(architectures()("tabular-mlp"), "the tabular-mlp plugin did not load");
        QVERIFY2(architectures()("image-cnn"), "the image-cnn plugin did not load");
    }

    void aRunRecordsEverything()
    {
        Recorder recorder;
        recorder.checkpointOf = [this](const QString &runId) {
            return QDir(*tracking().runArtifactDirectory(runId)).filePath(u"checkpoint"_s);
        };
        auto result = runTrainingJob(tracking(), architectures(), csvRequest(m_csv),
                                     CancellationToken(), &recorder);
        VERIFY_OK(result);
        QCOMPARE(result->status, TrainingJobResult::Status::Finished);
        QVERIFY2(result->testAccuracy > 0.9, qPrintable(QString::number(result->testAccuracy)));
        QCOMPARE(recorder.epochs, 6);
        QCOMPARE(recorder.lastFraction, 1.0);
        QCOMPARE(recorder.created.size(), 1);

        auto run = tracking().run(result->runId);
        VERIFY_OK(run);
        QVERIFY(run->info.status == tracking::RunStatus::Finished);
        QCOMPARE(run->info.runName, u"mlp"_s);
        QCOMPARE(run->params.value(u"architecture"_s), u"tabular-mlp"_s);
        QCOMPARE(run->params.value(u"hidden_units"_s), u"16"_s);
        QCOMPARE(run->params.value(u"activation"_s), u"relu"_s); // defaults are logged too
        QCOMPARE(run->params.value(u"learning_rate"_s), u"0.01"_s);
        QVERIFY(run->params.value(u"data"_s).contains(u"480 train / 120 test"_s));
        auto history = tracking().metricHistory(result->runId, u"train_loss"_s, 100, QString());
        VERIFY_OK(history);
        QCOMPARE(history->items.size(), 6);
        QCOMPARE(history->items.last().step, 6);
        bool hasTestAccuracy = false;
        for (const tracking::MetricPoint &point : run->latestMetrics) {
            if (point.key == u"test_accuracy"_s) {
                hasTestAccuracy = true;
                QCOMPARE(point.value, result->testAccuracy);
            }
        }
        QVERIFY(hasTestAccuracy);

        auto directory = tracking().runArtifactDirectory(result->runId);
        VERIFY_OK(directory);
        const QDir artifacts(*directory);
        QVERIFY(artifacts.exists(u"evaluation.json"_s));
        QVERIFY(artifacts.exists(u"confusion_matrix.svg"_s));
        QVERIFY(artifacts.exists(u"model/model.json"_s));
        QVERIFY(artifacts.exists(u"model/weights.pt"_s));
        QVERIFY(!artifacts.exists(u".model.partial"_s));
        QVERIFY(recorder.checkpointSeen);
        QVERIFY(!artifacts.exists(u"checkpoint"_s)); // the model replaces it
        QFile report(artifacts.filePath(u"evaluation.json"_s));
        QVERIFY(report.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(report.readAll()).object();
        QCOMPARE(json.value(u"accuracy"_s).toDouble(), result->testAccuracy);

        // The saved model is whole: it loads through the plugins and carries its preprocessing.
        auto model = ml::Model::load(artifacts.filePath(u"model"_s).toStdString(), architectures());
        QVERIFY2(model.hasValue(), model.errorMessage().c_str());
        QVERIFY(model->preprocessing().find("colour") != std::string::npos);
        QCOMPARE(model->signature().classNames, (std::vector<std::string>{"no", "yes"}));
    }

    void aLabelAloneIsEnoughForACsv()
    {
        TrainingRequest request = csvRequest(m_csv);
        request.runName = u"inferred"_s;
        request.data.schema.features.clear();
        request.training.epochs = 2;
        auto result = runTrainingJob(tracking(), architectures(), request, CancellationToken());
        VERIFY_OK(result);
        QVERIFY(result->status == TrainingJobResult::Status::Finished);
        auto directory = tracking().runArtifactDirectory(result->runId);
        VERIFY_OK(directory);
        auto model =
            ml::Model::load(QDir(*directory).filePath(u"model"_s).toStdString(), architectures());
        QVERIFY2(model.hasValue(), model.errorMessage().c_str());
        // x and y are numeric; colour, with names for values, is one-hot encoded.
        const std::string &preprocessing = model->preprocessing();
        QVERIFY(preprocessing.find("\"colour\"") != std::string::npos);
        QVERIFY(preprocessing.find("green") != std::string::npos);
        QCOMPARE(model->signature().sampleShape, (std::vector<std::int64_t>{5}));
    }

    void aSearchRecordsNestedTrials()
    {
        TrainingRequest request = csvRequest(m_csv);
        request.runName = u"search"_s;
        request.training.epochs = 3;
        request.search =
            SearchSpec{u"tpe"_s, 8, 2, {u"learning_rate"_s, u"hidden_units"_s, u"dropout"_s}};
        Recorder recorder;
        auto result =
            runTrainingJob(tracking(), architectures(), request, CancellationToken(), &recorder);
        VERIFY_OK(result);
        QCOMPARE(result->status, TrainingJobResult::Status::Finished);
        QCOMPARE(recorder.created.size(), 9); // the parent and eight trials

        auto experiment = tracking().experimentByName(u"tabular"_s);
        VERIFY_OK(experiment);
        auto trials = tracking().searchRuns(
            {experiment->id}, u"tags.`mlflow.parentRunId` = '%1'"_s.arg(result->runId),
            tracking::ViewType::All, 100, {}, QString());
        VERIFY_OK(trials);
        QCOMPARE(trials->items.size(), 8);
        int best = 0;
        QSet<QString> learningRates;
        for (const tracking::Run &trial : trials->items) {
            QVERIFY(trial.info.status == tracking::RunStatus::Finished);
            learningRates.insert(trial.params.value(u"learning_rate"_s));
            QCOMPARE(trial.params.value(u"epochs"_s), u"3"_s); // not varied
            if (trial.tags.value(u"millrace.best_trial"_s) == u"true"_s) {
                ++best;
                QCOMPARE(trial.info.runId, result->bestTrialRunId);
            }
        }
        QCOMPARE(best, 1);
        QCOMPARE(learningRates.size(), 8);
        auto parent = tracking().run(result->runId);
        VERIFY_OK(parent);
        QCOMPARE(parent->tags.value(u"millrace.best_trial_run_id"_s), result->bestTrialRunId);
        bool hasBest = false;
        for (const tracking::MetricPoint &point : parent->latestMetrics)
            hasBest = hasBest || point.key == u"best_test_accuracy"_s;
        QVERIFY(hasBest);
    }

    void aNanLossEndsTheRunFailed()
    {
        TrainingRequest request = csvRequest(m_csv);
        request.runName = u"diverging"_s;
        request.training.optimizer = "sgd";
        request.training.learningRate = 1e30;
        request.training.momentum = 0;
        auto result = runTrainingJob(tracking(), architectures(), request, CancellationToken());
        VERIFY_OK(result);
        QCOMPARE(result->status, TrainingJobResult::Status::Failed);
        QVERIFY2(result->message.contains(u"loss became"_s), qPrintable(result->message));
        auto run = tracking().run(result->runId);
        VERIFY_OK(run);
        QVERIFY(run->info.status == tracking::RunStatus::Failed);
        QVERIFY(run->tags.value(u"millrace.error"_s).contains(u"loss became"_s));
        auto directory = tracking().runArtifactDirectory(result->runId);
        QVERIFY(!QDir(*directory).exists(u"model"_s));
    }

    void cancellingKillsTheRunAndWritesNoModel()
    {
        CancellationSource cancel;
        Recorder recorder;
        recorder.cancelOnFirstProgress = &cancel;
        TrainingRequest request = csvRequest(m_csv);
        request.runName = u"cancelled"_s;
        auto result =
            runTrainingJob(tracking(), architectures(), request, cancel.token(), &recorder);
        VERIFY_OK(result);
        QCOMPARE(result->status, TrainingJobResult::Status::Cancelled);
        auto run = tracking().run(result->runId);
        VERIFY_OK(run);
        QVERIFY(run->info.status == tracking::RunStatus::Killed);
        auto directory = tracking().runArtifactDirectory(result->runId);
        QVERIFY(!QDir(*directory).exists(u"model"_s));
        QVERIFY(!QDir(*directory).exists(u".model.partial"_s));
        QVERIFY(!QDir(*directory).exists(u"checkpoint"_s));
    }

    void badInputFailsBeforeAnyRun()
    {
        const int before = runCount();
        TrainingRequest request = csvRequest(m_csv);
        request.architectureId = u"no-such-net"_s;
        VERIFY_FAILS_WITH(runTrainingJob(tracking(), architectures(), request, CancellationToken()),
                          u"unknown architecture 'no-such-net'"_s);

        request = csvRequest(writeCsv(m_dir.filePath(u"nocolour.csv"_s), 50, false));
        VERIFY_FAILS_WITH(runTrainingJob(tracking(), architectures(), request, CancellationToken()),
                          u"colour"_s);

        QFile text(m_dir.filePath(u"text.csv"_s));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("x,y,colour,label\n1,2,red,yes\n3,four,blue,no\n5,6,red,no\n7,8,green,yes\n");
        text.close();
        request = csvRequest(text.fileName());
        VERIFY_FAILS_WITH(runTrainingJob(tracking(), architectures(), request, CancellationToken()),
                          u"four"_s);

        request = csvRequest(m_csv);
        request.architectureHyperparameters = {{"hidden_units", std::int64_t(0)}};
        VERIFY_FAILS_WITH(runTrainingJob(tracking(), architectures(), request, CancellationToken()),
                          u"hidden_units"_s);

        // A truncated IDX file in a Fashion-MNIST folder.
        const QDir source(QString::fromStdString(ml::fashionMnistDefaultDirectory()));
        const QString copy = m_dir.filePath(u"fashion"_s);
        QVERIFY(QDir().mkpath(copy));
        for (const QString &name : source.entryList(QDir::Files))
            QVERIFY(QFile::copy(source.filePath(name), copy + u'/' + name));
        QFile labels(copy + u"/t10k-labels-idx1-ubyte.gz"_s);
        QVERIFY(labels.open(QIODevice::ReadWrite));
        QVERIFY(labels.resize(labels.size() / 2));
        labels.close();
        TrainingRequest images;
        images.experimentName = u"tabular"_s;
        images.data.path = copy;
        images.data.trainLimit = 100;
        VERIFY_FAILS_WITH(runTrainingJob(tracking(), architectures(), images, CancellationToken()),
                          u"t10k-labels-idx1-ubyte.gz"_s);

        QCOMPARE(runCount(), before);
    }

    void requestsReadFromJson()
    {
        const QByteArray text = R"({
            "experiment": "fashion", "run_name": "cnn",
            "data": {"kind": "fashion-mnist", "train_limit": 12000},
            "architecture": "image-cnn", "hyperparameters": {"base_width": 16, "dropout": 0.3},
            "training": {"epochs": 2, "learning_rate": 0.002, "optimizer": "sgd", "threads": 2},
            "search": {"method": "random", "trials": 4, "vary": ["learning_rate"]},
            "seed": 7})";
        auto request = requestFromJson(QJsonDocument::fromJson(text).object());
        VERIFY_OK(request);
        QCOMPARE(request->experimentName, u"fashion"_s);
        QCOMPARE(request->data.trainLimit, 12000);
        QCOMPARE(std::get<std::int64_t>(request->architectureHyperparameters.at("base_width")), 16);
        QCOMPARE(std::get<double>(request->architectureHyperparameters.at("dropout")), 0.3);
        QCOMPARE(request->training.optimizer, std::string("sgd"));
        QCOMPARE(request->training.intraOpThreads, 2);
        QCOMPARE(request->search->trials, 4);
        QCOMPARE(request->seed, std::uint64_t(7));
        // What it writes, it reads back the same.
        auto again = requestFromJson(requestToJson(*request));
        VERIFY_OK(again);
        QCOMPARE(requestToJson(*again), requestToJson(*request));

        auto bad = [](const char *json) {
            return requestFromJson(QJsonDocument::fromJson(json).object());
        };
        VERIFY_FAILS_WITH(bad(R"({"trainig": {}})"), u"unknown field 'trainig'"_s);
        VERIFY_FAILS_WITH(bad(R"({"training": {"epochs": "five"}})"),
                          u"'training.epochs' must be a number"_s);
        VERIFY_FAILS_WITH(bad(R"({"training": {"epochs": 0}})"), u"epochs"_s);
        VERIFY_FAILS_WITH(bad(R"({"data": {"kind": "parquet"}})"), u"'data.kind'"_s);
        VERIFY_FAILS_WITH(
            bad(R"({"data": {"kind": "csv", "path": "a.csv", "label": {"name": "y", "kind": "text"}}})"),
            u"data.label.kind"_s);
        VERIFY_FAILS_WITH(bad(R"({"search": {"method": "grid"}})"), u"'search.method'"_s);
    }
};

QTEST_GUILESS_MAIN(TestTrainingJob)
#include "tst_trainingjob.moc"
