#include "core/tracking/trackingtypes.h"

namespace millrace::tracking {

QString toString(LifecycleStage stage)
{
    return stage == LifecycleStage::Active ? QStringLiteral("active") : QStringLiteral("deleted");
}

QString toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QStringLiteral("RUNNING");
    case RunStatus::Scheduled:
        return QStringLiteral("SCHEDULED");
    case RunStatus::Finished:
        return QStringLiteral("FINISHED");
    case RunStatus::Failed:
        return QStringLiteral("FAILED");
    case RunStatus::Killed:
        return QStringLiteral("KILLED");
    }
    return QString();
}

std::optional<RunStatus> runStatusFromString(const QString &text)
{
    for (RunStatus status : {RunStatus::Running, RunStatus::Scheduled, RunStatus::Finished,
                             RunStatus::Failed, RunStatus::Killed}) {
        if (text == toString(status))
            return status;
    }
    return std::nullopt;
}

std::optional<ViewType> viewTypeFromString(const QString &text)
{
    if (text.isEmpty() || text == QLatin1String("ACTIVE_ONLY"))
        return ViewType::ActiveOnly;
    if (text == QLatin1String("DELETED_ONLY"))
        return ViewType::DeletedOnly;
    if (text == QLatin1String("ALL"))
        return ViewType::All;
    return std::nullopt;
}

} // namespace millrace::tracking
