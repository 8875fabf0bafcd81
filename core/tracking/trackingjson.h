#pragma once

#include "core/tracking/trackingtypes.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>

namespace millrace::tracking {

/// Tracking entities as MLflow's REST API spells them in JSON (snake_case fields, tags and params
/// as key/value lists, non-finite metric values as "NaN"/"Infinity" strings). The REST API and
/// the `millrace runs --json` command share them.
QJsonValue metricValueJson(double value);
QJsonArray tagsJson(const KeyValueList &tags);
QJsonObject experimentJson(const Experiment &experiment);
QJsonObject runInfoJson(const RunInfo &info);
QJsonObject metricJson(const MetricPoint &point);
QJsonObject runJson(const Run &run);

} // namespace millrace::tracking
