#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <initializer_list>
#include <optional>
#include <utility>

namespace millrace::tracking {

/// Error codes of the tracking API, as MLflow names them (its REST API returns them).
namespace errorcode {
inline const QString kInvalidParameterValue = QStringLiteral("INVALID_PARAMETER_VALUE");
inline const QString kResourceDoesNotExist = QStringLiteral("RESOURCE_DOES_NOT_EXIST");
inline const QString kResourceAlreadyExists = QStringLiteral("RESOURCE_ALREADY_EXISTS");
inline const QString kBadRequest = QStringLiteral("BAD_REQUEST");
inline const QString kInternalError = QStringLiteral("INTERNAL_ERROR");
} // namespace errorcode

/// MLflow's limits on one log-batch call.
inline constexpr int kMaxMetricsPerBatch = 1000;
inline constexpr int kMaxParamsPerBatch = 100;
inline constexpr int kMaxTagsPerBatch = 100;
inline constexpr int kMaxEntitiesPerBatch = 1000;
/// MLflow's limit on a param value's length (characters).
inline constexpr int kMaxParamValueLength = 6000;

/// Whether an experiment or run is in use or in the bin (restorable).
enum class LifecycleStage { Active, Deleted };
/// Which entities a search or listing includes.
enum class ViewType { ActiveOnly, DeletedOnly, All };
/// A run's state, as in MLflow.
enum class RunStatus { Running, Scheduled, Finished, Failed, Killed };

QString toString(LifecycleStage stage);
QString toString(RunStatus status);
std::optional<RunStatus> runStatusFromString(const QString &text);
std::optional<ViewType> viewTypeFromString(const QString &text);

/// A key and its value: one param or tag.
struct KeyValue
{
    QString key;
    QString value;
    bool operator==(const KeyValue &other) const = default;
};

/// The params or tags of a run or experiment: sorted by key, each key once. One flat list, as
/// MLflow's RunData carries them, so a listing of 10,000 runs with 20 params each builds, copies
/// and frees 10,000 lists rather than 200,000 tree nodes.
class KeyValueList
{
public:
    KeyValueList() = default;
    KeyValueList(std::initializer_list<std::pair<QString, QString>> items);

    /// Sets `key` to `value`. Keys given in order are appended without a search.
    void insert(const QString &key, const QString &value);
    /// Removes `key`; false when it was not there.
    bool remove(const QString &key);
    /// The value of `key`, or nullptr.
    const QString *find(const QString &key) const;
    /// The value of `key`, or `fallback`.
    QString value(const QString &key, const QString &fallback = QString()) const;
    bool contains(const QString &key) const { return find(key) != nullptr; }
    QStringList keys() const;

    qsizetype size() const { return m_items.size(); }
    bool isEmpty() const { return m_items.isEmpty(); }
    void reserve(qsizetype size) { m_items.reserve(size); }
    QList<KeyValue>::const_iterator begin() const { return m_items.cbegin(); }
    QList<KeyValue>::const_iterator end() const { return m_items.cend(); }
    bool operator==(const KeyValueList &other) const = default;

private:
    QList<KeyValue> m_items;
};

/// An experiment: a named group of runs.
struct Experiment
{
    QString id;
    QString name;
    QString artifactLocation;
    LifecycleStage lifecycleStage = LifecycleStage::Active;
    qint64 creationTime = 0;   ///< ms since the epoch
    qint64 lastUpdateTime = 0; ///< ms since the epoch
    KeyValueList tags;
};

/// One metric value at a step and time. NaN values stay NaN.
struct MetricPoint
{
    QString key;
    double value = 0;
    qint64 timestamp = 0; ///< ms since the epoch
    qint64 step = 0;
};

/// One metric's whole history as columns, the shape charts read: by step, then timestamp.
/// NaN values stay NaN.
struct MetricSeries
{
    QString key;
    QList<qint64> steps;
    QList<qint64> timestamps; ///< ms since the epoch
    QList<double> values;
};

/// A point of one metric's history, without its key. NaN values stay NaN.
struct HistoryPoint
{
    qint64 step = 0;
    qint64 timestamp = 0; ///< ms since the epoch
    double value = 0;
};

/// Up to 64 consecutive points of a history, summarised (see core/store/metricsummary.h): what
/// a line chart of them draws (first, lowest, highest and last point) and what smooths them.
struct MetricBlock
{
    int points = 0;
    int finitePoints = 0;
    double finiteSum = 0; ///< of the finite values
    HistoryPoint first;
    HistoryPoint last;
    std::optional<HistoryPoint> low;  ///< lowest value that is not NaN
    std::optional<HistoryPoint> high; ///< highest value that is not NaN
};

/// One metric's history as a chart reads it: a short history whole, a long one as blocks.
struct MetricOverview
{
    QString key;
    qint64 points = 0;         ///< points in the history
    MetricSeries whole;        ///< every point, when there are no blocks
    QList<MetricBlock> blocks; ///< in history order, for a long history
    bool summarised() const { return !blocks.isEmpty(); }
};

/// The lowest and highest value a metric took over a run (NaN values left out).
struct MetricRange
{
    double min = 0;
    double max = 0;
};

/// What identifies a run and where it stands.
struct RunInfo
{
    QString runId;
    QString experimentId;
    QString runName;
    QString userId;
    RunStatus status = RunStatus::Running;
    std::optional<qint64> startTime;
    std::optional<qint64> endTime;
    QString artifactUri;
    LifecycleStage lifecycleStage = LifecycleStage::Active;
};

/// A run with its data: params, tags and the latest value of each metric.
struct Run
{
    RunInfo info;
    QList<MetricPoint> latestMetrics; ///< sorted by key
    KeyValueList params;
    KeyValueList tags;
};

/// A page of results and the token that fetches the next one (empty on the last page).
template <typename T> struct Page
{
    QList<T> items;
    QString nextPageToken;
};

/// Tag MLflow clients use to nest a run under a parent.
inline const QString kParentRunIdTag = QStringLiteral("mlflow.parentRunId");
/// Tag MLflow clients use for the run name.
inline const QString kRunNameTag = QStringLiteral("mlflow.runName");

} // namespace millrace::tracking
