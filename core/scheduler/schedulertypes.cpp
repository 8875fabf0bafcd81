#include "core/scheduler/schedulertypes.h"

#include <algorithm>
#include <array>
#include <utility>

namespace millrace::scheduler {

namespace {

template <typename Enum, std::size_t N>
QString spell(const std::array<std::pair<Enum, const char *>, N> &table, Enum value)
{
    for (const auto &[candidate, text] : table) {
        if (candidate == value)
            return QString::fromLatin1(text);
    }
    return QString();
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse(const std::array<std::pair<Enum, const char *>, N> &table,
                          const QString &text)
{
    for (const auto &[candidate, spelling] : table) {
        if (text == QLatin1String(spelling))
            return candidate;
    }
    return std::nullopt;
}

constexpr std::array<std::pair<RunState, const char *>, 4> kRunStates{{
    {RunState::Queued, "queued"},
    {RunState::Running, "running"},
    {RunState::Success, "success"},
    {RunState::Failed, "failed"},
}};

constexpr std::array<std::pair<RunType, const char *>, 4> kRunTypes{{
    {RunType::Scheduled, "scheduled"},
    {RunType::Manual, "manual"},
    {RunType::Backfill, "backfill"},
    {RunType::Event, "event"},
}};

constexpr std::array<std::pair<TaskState, const char *>, 9> kTaskStates{{
    {TaskState::None, "none"},
    {TaskState::Scheduled, "scheduled"},
    {TaskState::Running, "running"},
    {TaskState::Success, "success"},
    {TaskState::Failed, "failed"},
    {TaskState::UpForRetry, "up_for_retry"},
    {TaskState::UpstreamFailed, "upstream_failed"},
    {TaskState::Skipped, "skipped"},
    {TaskState::Removed, "removed"},
}};

} // namespace

QString toString(RunState state)
{
    return spell(kRunStates, state);
}

QString toString(RunType type)
{
    return spell(kRunTypes, type);
}

QString toString(TaskState state)
{
    return spell(kTaskStates, state);
}

std::optional<RunState> runStateFromString(const QString &text)
{
    return parse(kRunStates, text);
}

std::optional<RunType> runTypeFromString(const QString &text)
{
    return parse(kRunTypes, text);
}

std::optional<TaskState> taskStateFromString(const QString &text)
{
    return parse(kTaskStates, text);
}

bool isFinished(TaskState state)
{
    switch (state) {
    case TaskState::Success:
    case TaskState::Failed:
    case TaskState::UpstreamFailed:
    case TaskState::Skipped:
    case TaskState::Removed:
        return true;
    default:
        return false;
    }
}

bool isFinished(RunState state)
{
    return state == RunState::Success || state == RunState::Failed;
}

QString isoSeconds(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + QStringLiteral("+00:00");
}

QString isoMilliseconds(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz"))
           + QStringLiteral("+00:00");
}

QString manualRunId(const QDateTime &now)
{
    return QStringLiteral("manual__") + isoMilliseconds(now);
}

bool isValidRunId(const QString &runId)
{
    if (runId.isEmpty() || runId.size() > 250 || runId == QLatin1String(".")
        || runId == QLatin1String(".."))
        return false;
    return std::all_of(runId.begin(), runId.end(), [](QChar c) {
        return c.isLetterOrNumber() || QStringView(u"_-.:+").contains(c);
    });
}

QJsonObject runConfig(const QJsonObject &defaults, const QJsonObject &overrides)
{
    QJsonObject conf = defaults;
    for (auto it = overrides.begin(); it != overrides.end(); ++it)
        conf.insert(it.key(), it.value());
    return conf;
}

const Timetable &effectiveSchedule(const DagSpec &dag, bool demoSpeed)
{
    return demoSpeed && dag.demoSchedule ? *dag.demoSchedule : dag.schedule;
}

QString taskLogRelativePath(const QString &dagId, const QString &runId, const QString &taskId,
                            int tryNumber)
{
    return QStringLiteral("%1/%2/%3/%4.log").arg(dagId, runId, taskId).arg(tryNumber);
}

} // namespace millrace::scheduler
