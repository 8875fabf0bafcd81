#include "core/registry/registrytypes.h"

#include <array>
#include <utility>

namespace millrace::registry {

namespace {

constexpr std::array kStageNames = {
    std::pair{Stage::None, "None"}, std::pair{Stage::Staging, "Staging"},
    std::pair{Stage::Production, "Production"}, std::pair{Stage::Archived, "Archived"}};

constexpr std::array kEventNames = {std::pair{EventKind::Created, "created"},
                                    std::pair{EventKind::StageChanged, "stage"},
                                    std::pair{EventKind::AliasSet, "alias_set"},
                                    std::pair{EventKind::AliasDeleted, "alias_deleted"},
                                    std::pair{EventKind::Decision, "decision"},
                                    std::pair{EventKind::Deleted, "deleted"}};

} // namespace

QString toString(Stage stage)
{
    for (const auto &[value, name] : kStageNames) {
        if (value == stage)
            return QLatin1String(name);
    }
    return QString();
}

std::optional<Stage> stageFromString(const QString &text)
{
    for (const auto &[value, name] : kStageNames) {
        if (text.compare(QLatin1String(name), Qt::CaseInsensitive) == 0)
            return value;
    }
    return std::nullopt;
}

QString toString(VersionStatus status)
{
    switch (status) {
    case VersionStatus::Pending:
        return QStringLiteral("PENDING_REGISTRATION");
    case VersionStatus::Ready:
        return QStringLiteral("READY");
    case VersionStatus::Failed:
        return QStringLiteral("FAILED_REGISTRATION");
    }
    return QString();
}

QList<Stage> allStages()
{
    QList<Stage> stages;
    for (const auto &entry : kStageNames)
        stages.append(entry.first);
    return stages;
}

QString toString(EventKind kind)
{
    for (const auto &[value, name] : kEventNames) {
        if (value == kind)
            return QLatin1String(name);
    }
    return QString();
}

std::optional<EventKind> eventKindFromString(const QString &text)
{
    for (const auto &[value, name] : kEventNames) {
        if (text == QLatin1String(name))
            return value;
    }
    return std::nullopt;
}

} // namespace millrace::registry
