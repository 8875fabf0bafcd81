#include "core/scheduler/triggerrules.h"

namespace millrace::scheduler {

UpstreamStates UpstreamStates::count(const QList<TaskState> &states)
{
    UpstreamStates counts;
    counts.total = int(states.size());
    for (TaskState state : states) {
        switch (state) {
        case TaskState::Success:
            ++counts.success;
            break;
        case TaskState::Failed:
            ++counts.failed;
            break;
        case TaskState::UpstreamFailed:
            ++counts.upstreamFailed;
            break;
        case TaskState::Skipped:
        case TaskState::Removed:
            ++counts.skipped;
            break;
        default:
            break;
        }
    }
    return counts;
}

TriggerDecision decideTrigger(TriggerRule rule, const UpstreamStates &up)
{
    if (up.total == 0)
        return TriggerDecision::Run;
    const bool allDone = up.done() == up.total;
    const int failures = up.failed + up.upstreamFailed;
    switch (rule) {
    case TriggerRule::AllSuccess:
        // Decided as soon as one upstream task can no longer succeed, as Airflow does.
        if (failures > 0)
            return TriggerDecision::UpstreamFailed;
        if (up.skipped > 0)
            return TriggerDecision::Skip;
        return allDone ? TriggerDecision::Run : TriggerDecision::Wait;
    case TriggerRule::AllFailed:
        if (up.success > 0 || up.skipped > 0)
            return TriggerDecision::Skip;
        return allDone ? TriggerDecision::Run : TriggerDecision::Wait;
    case TriggerRule::AllDone:
        return allDone ? TriggerDecision::Run : TriggerDecision::Wait;
    case TriggerRule::OneSuccess:
        if (up.success > 0)
            return TriggerDecision::Run;
        if (!allDone)
            return TriggerDecision::Wait;
        return failures > 0 ? TriggerDecision::UpstreamFailed : TriggerDecision::Skip;
    case TriggerRule::OneFailed:
        if (failures > 0)
            return TriggerDecision::Run;
        return allDone ? TriggerDecision::Skip : TriggerDecision::Wait;
    case TriggerRule::NoneFailed:
        if (failures > 0)
            return TriggerDecision::UpstreamFailed;
        return allDone ? TriggerDecision::Run : TriggerDecision::Wait;
    case TriggerRule::Always:
        return TriggerDecision::Run;
    }
    return TriggerDecision::Wait;
}

} // namespace millrace::scheduler
