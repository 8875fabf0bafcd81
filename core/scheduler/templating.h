#pragma once

#include "core/base/result.h"

#include <QJsonObject>
#include <QJsonValue>

namespace millrace::scheduler {

/// Renders the templates in a task's params, Jinja-style but only variable lookups:
/// `{{ ds }}`, `{{ conf.batch_size }}`, `{{ xcom.train.run_id }}`, `{{ params.topic }}`. A
/// string that is exactly one `{{ ... }}` becomes the value itself (a number stays a number);
/// templates inside longer strings are replaced by the value's text. Objects and arrays are
/// rendered recursively. `context` holds the variables. A lookup that finds nothing is an error
/// naming the variable; `{{ x | default(v) }}` gives `v` (a JSON literal) instead.
Result<QJsonValue> renderTemplates(const QJsonValue &value, const QJsonObject &context);

/// True when `text` holds a template, so DAG checks accept it in place of any parameter type.
bool hasTemplate(const QString &text);

} // namespace millrace::scheduler
