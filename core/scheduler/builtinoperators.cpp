#include "core/scheduler/builtinoperators.h"

#include <QJsonArray>

namespace millrace::scheduler {

QJsonObject NoopOperator::parameterSchema() const
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                       {QStringLiteral("properties"), QJsonObject()},
                       {QStringLiteral("additionalProperties"), false}};
}

plugins::TaskOutcome NoopOperator::run(plugins::TaskContext &context)
{
    Q_UNUSED(context)
    return plugins::TaskOutcome{};
}

} // namespace millrace::scheduler
