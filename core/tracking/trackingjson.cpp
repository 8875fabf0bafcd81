#include "core/tracking/trackingjson.h"

#include <cmath>

namespace millrace::tracking {

QJsonValue metricValueJson(double value)
{
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity");
    return value;
}

QJsonArray tagsJson(const KeyValueList &tags)
{
    QJsonArray array;
    for (const KeyValue &tag : tags)
        array.append(
            QJsonObject{{QStringLiteral("key"), tag.key}, {QStringLiteral("value"), tag.value}});
    return array;
}

QJsonObject experimentJson(const Experiment &experiment)
{
    QJsonObject json{{QStringLiteral("experiment_id"), experiment.id},
                     {QStringLiteral("name"), experiment.name},
                     {QStringLiteral("artifact_location"), experiment.artifactLocation},
                     {QStringLiteral("lifecycle_stage"), toString(experiment.lifecycleStage)},
                     {QStringLiteral("last_update_time"), experiment.lastUpdateTime},
                     {QStringLiteral("creation_time"), experiment.creationTime}};
    if (!experiment.tags.isEmpty())
        json.insert(QStringLiteral("tags"), tagsJson(experiment.tags));
    return json;
}

QJsonObject runInfoJson(const RunInfo &info)
{
    QJsonObject json{{QStringLiteral("run_uuid"), info.runId},
                     {QStringLiteral("run_id"), info.runId},
                     {QStringLiteral("run_name"), info.runName},
                     {QStringLiteral("experiment_id"), info.experimentId},
                     {QStringLiteral("user_id"), info.userId},
                     {QStringLiteral("status"), toString(info.status)},
                     {QStringLiteral("artifact_uri"), info.artifactUri},
                     {QStringLiteral("lifecycle_stage"), toString(info.lifecycleStage)}};
    if (info.startTime)
        json.insert(QStringLiteral("start_time"), *info.startTime);
    if (info.endTime)
        json.insert(QStringLiteral("end_time"), *info.endTime);
    return json;
}

QJsonObject metricJson(const MetricPoint &point)
{
    return {{QStringLiteral("key"), point.key},
            {QStringLiteral("value"), metricValueJson(point.value)},
            {QStringLiteral("timestamp"), point.timestamp},
            {QStringLiteral("step"), point.step}};
}

QJsonObject runJson(const Run &run)
{
    QJsonObject data;
    if (!run.latestMetrics.isEmpty()) {
        QJsonArray metrics;
        for (const MetricPoint &point : run.latestMetrics)
            metrics.append(metricJson(point));
        data.insert(QStringLiteral("metrics"), metrics);
    }
    if (!run.params.isEmpty())
        data.insert(QStringLiteral("params"), tagsJson(run.params));
    if (!run.tags.isEmpty())
        data.insert(QStringLiteral("tags"), tagsJson(run.tags));
    return {{QStringLiteral("info"), runInfoJson(run.info)},
            {QStringLiteral("data"), data},
            {QStringLiteral("inputs"), QJsonObject()},
            {QStringLiteral("outputs"), QJsonObject()}};
}

} // namespace millrace::tracking
