#pragma once

// What the serving integration tests share: a workspace with the built-in model plugins and
// registered versions of real (untrained) models, Fashion-MNIST images and a small table, request
// bodies in MLflow's formats, a ServingService on its own thread whose signals are recorded on
// the test's thread, and readers for answers and /metrics. Expected outputs always come from
// core/ml (ml::Model::predict), never from the server.

#include "core/base/servicethread.h"
#include "core/ml/idx.h"
#include "core/ml/model.h"
#include "core/ml/tabular.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/serving/servingservice.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QMutexLocker>
#include <QStringList>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace servingtest {

using namespace millrace;

inline const QString kActor = QStringLiteral("serving integration test");

/// The first `count` Fashion-MNIST test images, from the dataset-fashion-mnist package.
inline ml::Result<ml::Dataset> fashionImages(std::size_t count)
{
    auto test =
        ml::readFashionMnist(ml::fashionMnistDefaultDirectory(), ml::FashionMnistPart::Test);
    if (!test)
        return test.error();
    std::vector<std::size_t> indices(std::min(count, test->size()));
    for (std::size_t i = 0; i < indices.size(); ++i)
        indices[i] = i;
    return test->subset(indices);
}

/// A small table for the tabular model: two numeric columns, a categorical one, a three-class
/// label. Deterministic, so every test run fits the same preprocessing.
inline QByteArray tabularCsv()
{
    const char *colours[] = {"red", "green", "blue"};
    const char *labels[] = {"small", "medium", "large"};
    QByteArray csv = "size,colour,weight,label\n";
    for (int i = 0; i < 36; ++i) {
        const double size = 0.5 + (i * 7 % 13) * 0.25;
        const double weight = 10.0 + (i * 5 % 11) * 1.5;
        csv += QByteArray::number(size) + ',' + colours[i % 3] + ',' + QByteArray::number(weight)
               + ',' + labels[(i * 7 % 13) * 3 / 13] + '\n';
    }
    return csv;
}

/// The feature rows the tests score (the label column left out): seen colours, and one row with
/// a colour training never saw, which the preprocessing encodes as all zeros.
inline QByteArray tabularScoringCsv()
{
    return "size,colour,weight\n"
           "0.75,red,12.5\n"
           "2.5,blue,20\n"
           "3.25,green,11\n"
           "1.125,purple,17.75\n";
}

/// The preprocessing a training job would fit on tabularCsv(): label "label", every other
/// column a feature of the kind its values say.
inline ml::Result<ml::TabularPreprocessor> fitTabularPreprocessing()
{
    auto table = ml::parseCsv(tabularCsv().toStdString(), "tabular.csv");
    if (!table)
        return table.error();
    auto schema = ml::TabularSchema::infer(*table, {"label", ml::ColumnKind::Categorical});
    if (!schema)
        return schema.error();
    return ml::TabularPreprocessor::fit(*schema, *table);
}

/// Rows of CSV text encoded by `preprocessor`, ready for ml::Model::predict.
inline ml::Result<ml::Dataset> encodeRows(const ml::TabularPreprocessor &preprocessor,
                                          const QByteArray &csv)
{
    auto table = ml::parseCsv(csv.toStdString(), "rows.csv");
    if (!table)
        return table.error();
    auto encoded = preprocessor.transformFeatures(*table);
    if (!encoded)
        return encoded.error();
    return std::move(encoded->dataset);
}

/// A workspace in a temporary folder, opened as a Session with the built-in plugins and none of
/// the services (no tracking server, streams or scheduler), and helpers to register versions.
class ServingWorkspace
{
public:
    Result<void> open()
    {
        if (!m_dir.isValid())
            return fail(QStringLiteral("no temporary folder: ") + m_dir.errorString());
        SessionOptions options;
        options.trackingServer = false;
        options.streams = false;
        options.scheduler = false;
        options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)};
        auto session = Session::open(root(), options);
        if (!session)
            return session.error();
        m_session = std::move(session).value();
        for (const char *id : {"image-cnn", "tabular-mlp"}) {
            if (!architectures()(id))
                return fail(
                    QStringLiteral("%1 is not among the plugins in %2")
                        .arg(QLatin1String(id), QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)));
        }
        return {};
    }

    QString root() const { return m_dir.filePath(QStringLiteral("workspace")); }
    Session &session() const { return *m_session; }
    registry::RegistryStore &registry() const { return m_session->registry(); }
    ml::ArchitectureLookup architectures() const
    {
        return training::pluginArchitectures(m_session->plugins());
    }

    /// An untrained model of `architectureId` for data of `signature`, its weights fixed by
    /// `seed` (inference is deterministic, so two seeds make two versions that answer apart).
    Result<ml::Model> createModel(const char *architectureId, const ml::ModelSignature &signature,
                                  std::uint64_t seed) const
    {
        const ml::Architecture *architecture = architectures()(architectureId);
        if (!architecture)
            return fail(QStringLiteral("no architecture %1").arg(QLatin1String(architectureId)));
        auto model = ml::Model::create(*architecture, {}, signature, seed);
        if (!model)
            return fail(QString::fromStdString(model.error().message));
        return std::move(model).value();
    }

    /// Saves `model` into a new run's artifacts and registers it as the next version of `name`
    /// (registering the model itself first when it is new).
    Result<qint64> registerVersion(const QString &name, const ml::Model &model)
    {
        if (!registry().registeredModel(name)) {
            if (auto created = registry().createRegisteredModel(name); !created)
                return created.error();
        }
        auto run = m_session->tracking().createRun(QStringLiteral("0"), QStringLiteral("test"),
                                                   name, std::nullopt, {});
        if (!run)
            return run.error();
        auto directory = m_session->tracking().runArtifactDirectory(run->info.runId);
        if (!directory)
            return directory.error();
        if (auto saved =
                model.save(QDir(*directory).filePath(QStringLiteral("model")).toStdString());
            !saved)
            return fail(QString::fromStdString(saved.error().message));
        registry::NewModelVersion request;
        request.name = name;
        request.source = QStringLiteral("runs:/%1/model").arg(run->info.runId);
        auto version = registry().createModelVersion(request, {kActor, QString()});
        if (!version)
            return version.error();
        return version->version;
    }

    /// Moves `version` of `name` to Production, archiving the version that was there.
    Result<void> promote(const QString &name, qint64 version)
    {
        auto moved = registry().transitionStage(name, version, registry::Stage::Production, true,
                                                {kActor, QString()});
        if (!moved)
            return moved.error();
        return {};
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Session> m_session;
};

/// A ServingService on its own thread; what it signals is recorded here, on the test's thread
/// (queued), so QTRY_* can wait for it.
class RunningService : public QObject
{
public:
    RunningService(const registry::RegistryStore &registry, ml::ArchitectureLookup architectures,
                   serving::ServingConfig config)
    {
        m_service = new serving::ServingService(registry, std::move(architectures), config);
        m_metrics = m_service->metrics();
        connect(m_service, &serving::ServingService::listening, this,
                [this](quint16 port) { m_port = port; });
        connect(m_service, &serving::ServingService::deployed, this,
                [this](qint64 primary, qint64 candidate, double) {
                    m_primary = primary;
                    m_candidate = candidate;
                    ++m_deployments;
                });
        connect(m_service, &serving::ServingService::deploymentFailed, this,
                [this](const QString &message) { m_deploymentProblems.append(message); });
        connect(m_service, &Service::failed, this,
                [this](const QString &message) { m_failures.append(message); });
        m_thread = std::make_unique<ServiceThread>(m_service, QStringLiteral("serving"));
    }
    ~RunningService() override { stop(); }

    void start() { m_thread->start(); }
    void stop()
    {
        if (m_thread)
            m_thread->stop();
    }
    /// Safe from the test's thread while it runs.
    serving::ServingService &service() const { return *m_service; }
    std::shared_ptr<serving::ServingMetrics> metrics() const { return m_metrics; }

    quint16 port() const { return m_port; }
    qint64 primary() const { return m_primary; }
    qint64 candidate() const { return m_candidate; }
    /// deployed() signals so far: the first deployment, then one per swap or new A/B weight.
    int deployments() const { return m_deployments; }
    const QStringList &deploymentProblems() const { return m_deploymentProblems; }
    const QStringList &failures() const { return m_failures; }

private:
    serving::ServingService *m_service = nullptr; // owned by m_thread
    std::shared_ptr<serving::ServingMetrics> m_metrics;
    std::unique_ptr<ServiceThread> m_thread;
    quint16 m_port = 0;
    qint64 m_primary = 0;
    qint64 m_candidate = 0;
    int m_deployments = 0;
    QStringList m_deploymentProblems;
    QStringList m_failures;
};

/// A config that follows `model`'s Production stage on a free loopback port, checking the
/// registry every 50 ms.
inline serving::ServingConfig followProduction(const QString &model)
{
    serving::ServingConfig config;
    config.primary.model = model;
    config.server.port = 0;
    config.followInterval = std::chrono::milliseconds(50);
    return config;
}

/// Records what Qt logs while it lives (from any thread), passing it on as before; can also act
/// the moment a message is logged, on the thread that logs it.
class LogCapture
{
public:
    LogCapture()
    {
        s_instance = this;
        m_previous = qInstallMessageHandler(&LogCapture::handle);
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        s_instance = nullptr;
    }
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;

    /// The messages logged at `type` that contain `text`.
    QStringList matching(QtMsgType type, const QString &text) const
    {
        QMutexLocker lock(&m_mutex);
        QStringList found;
        for (const auto &[messageType, message] : m_messages) {
            if (messageType == type && message.contains(text))
                found.append(message);
        }
        return found;
    }

    /// Runs `action` once, the first time a message containing `text` is logged, on the
    /// logging thread before that thread goes on.
    void whenLogged(const QString &text, std::function<void()> action)
    {
        QMutexLocker lock(&m_mutex);
        m_trigger = text;
        m_action = std::move(action);
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        LogCapture *capture = s_instance;
        if (!capture)
            return;
        std::function<void()> action;
        {
            QMutexLocker lock(&capture->m_mutex);
            capture->m_messages.append({type, message});
            if (capture->m_action && message.contains(capture->m_trigger))
                action = std::exchange(capture->m_action, {});
        }
        if (capture->m_previous)
            capture->m_previous(type, context, message);
        if (action)
            action();
    }

    static inline LogCapture *s_instance = nullptr;
    QtMessageHandler m_previous = nullptr;
    mutable QMutex m_mutex;
    QList<QPair<QtMsgType, QString>> m_messages;
    QString m_trigger;
    std::function<void()> m_action;
};

// Request bodies -------------------------------------------------------------------------------

/// A float as text that reads back as the same float.
inline QByteArray numberText(float value)
{
    return QByteArray::number(double(value), 'g', 9);
}

/// Image `index` of `images` as a JSON list: flat (784 numbers) or nested as its sample shape
/// (28 lists of 28).
inline QByteArray imageJson(const ml::Dataset &images, std::size_t index, bool nested)
{
    const std::size_t size = images.featureCount();
    const std::size_t width = nested ? std::size_t(images.sampleShape.back()) : size;
    const float *values = images.features.data() + index * size;
    QByteArray json = nested ? "[[" : "[";
    for (std::size_t i = 0; i < size; ++i) {
        if (i > 0)
            json += i % width == 0 ? "],[" : ",";
        json += numberText(values[i]);
    }
    json += nested ? "]]" : "]";
    return json;
}

/// Image `index` as one CSV line of numbers.
inline QByteArray imageCsvLine(const ml::Dataset &images, std::size_t index)
{
    const std::size_t size = images.featureCount();
    QByteArray line;
    for (std::size_t i = 0; i < size; ++i) {
        if (i > 0)
            line += ',';
        line += numberText(images.features[index * size + i]);
    }
    return line + '\n';
}

/// The images at `indices` of `images` as one dataset, for ml::Model::predict.
inline ml::Dataset pick(const ml::Dataset &images, const std::vector<std::size_t> &indices)
{
    return images.subset(indices);
}

// Answers -------------------------------------------------------------------------------------

/// The output rows of a 200 answer, in either layout: {"predictions": {name: [[...], ...]}} or
/// {"predictions": [{name: [...]}, ...]} (a scalar per record for one output). Empty, with
/// `why` set, when the body is neither.
inline std::vector<std::vector<double>> outputRows(const QByteArray &body, const QString &name,
                                                   QString *why = nullptr)
{
    std::vector<std::vector<double>> rows;
    const auto refuse = [&](const QString &reason) {
        if (why)
            *why = reason + QStringLiteral(" in ") + QString::fromUtf8(body.left(300));
        return std::vector<std::vector<double>>();
    };
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (!document.isObject())
        return refuse(QStringLiteral("not a JSON object (%1)").arg(error.errorString()));
    const QJsonValue predictions = document.object().value(QStringLiteral("predictions"));
    const auto toRow = [](const QJsonValue &value) {
        std::vector<double> row;
        if (value.isArray()) {
            for (const QJsonValue &number : value.toArray())
                row.push_back(number.toDouble(std::nan("")));
        } else {
            row.push_back(value.toDouble(std::nan("")));
        }
        return row;
    };
    if (predictions.isObject()) {
        const QJsonValue columns = predictions.toObject().value(name);
        if (!columns.isArray())
            return refuse(QStringLiteral("no list \"%1\" in \"predictions\"").arg(name));
        for (const QJsonValue &row : columns.toArray())
            rows.push_back(toRow(row));
    } else if (predictions.isArray()) {
        for (const QJsonValue &record : predictions.toArray()) {
            if (!record.toObject().contains(name))
                return refuse(QStringLiteral("a record without \"%1\"").arg(name));
            rows.push_back(toRow(record.toObject().value(name)));
        }
    } else {
        return refuse(QStringLiteral("no \"predictions\""));
    }
    return rows;
}

/// Whether two outputs agree to a relative 1e-5 (with a 1e-6 floor for values near zero).
inline bool closeEnough(double actual, double expected)
{
    return std::abs(actual - expected)
           <= 1e-5 * std::max(std::abs(actual), std::abs(expected)) + 1e-6;
}

/// The first difference between answered rows and core/ml's outputs (`width` per row, row
/// after row); empty when they agree.
inline QString outputDifference(const std::vector<std::vector<double>> &rows,
                                const std::vector<float> &expected, std::size_t width)
{
    if (rows.size() * width != expected.size())
        return QStringLiteral("%1 rows answered, expected %2")
            .arg(rows.size())
            .arg(expected.size() / width);
    for (std::size_t row = 0; row < rows.size(); ++row) {
        if (rows[row].size() != width)
            return QStringLiteral("row %1 has %2 values, expected %3")
                .arg(row)
                .arg(rows[row].size())
                .arg(width);
        for (std::size_t i = 0; i < width; ++i) {
            const double want = expected[row * width + i];
            if (!closeEnough(rows[row][i], want))
                return QStringLiteral("row %1 value %2 is %3, expected %4")
                    .arg(row)
                    .arg(i)
                    .arg(rows[row][i], 0, 'g', 9)
                    .arg(want, 0, 'g', 9);
        }
    }
    return QString();
}

/// The samples of a Prometheus text exposition: "name{labels}" to value.
inline std::map<QByteArray, double> metricSamples(const QByteArray &text)
{
    std::map<QByteArray, double> samples;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        if (space > 0)
            samples[line.left(space)] = line.mid(space + 1).toDouble();
    }
    return samples;
}

/// millrace_serving_requests_total summed per version label ("1", "2", "none") over codes,
/// counting only the status `code` when it is not 0.
inline std::map<QByteArray, double> requestsByVersion(const QByteArray &metricsText, int code = 0)
{
    std::map<QByteArray, double> byVersion;
    const QByteArray prefix = "millrace_serving_requests_total{version=\"";
    for (const auto &[series, value] : metricSamples(metricsText)) {
        if (!series.startsWith(prefix))
            continue;
        const QByteArray rest = series.mid(prefix.size());
        const QByteArray version = rest.left(rest.indexOf('"'));
        if (code != 0 && !rest.contains(QByteArray("code=\"" + QByteArray::number(code) + '"')))
            continue;
        byVersion[version] += value;
    }
    return byVersion;
}

} // namespace servingtest
