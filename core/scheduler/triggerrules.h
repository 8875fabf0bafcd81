#pragma once

#include "core/scheduler/dagspec.h"
#include "core/scheduler/schedulertypes.h"

#include <QList>

namespace millrace::scheduler {

/// How many of a task's direct upstream tasks are in which state.
struct UpstreamStates
{
    int total = 0;
    int success = 0;
    int failed = 0;         ///< failed
    int upstreamFailed = 0; ///< upstream_failed
    int skipped = 0;        ///< skipped (and removed)

    int done() const { return success + failed + upstreamFailed + skipped; }
    /// Counts `states`, the states of the upstream tasks.
    static UpstreamStates count(const QList<TaskState> &states);
};

/// What a trigger rule makes of a task whose upstream tasks are as counted.
enum class TriggerDecision {
    Wait,           ///< not yet decidable
    Run,            ///< the task may be scheduled
    Skip,           ///< the task ends skipped
    UpstreamFailed, ///< the task ends upstream_failed
};

/// Airflow's trigger-rule table. A task with no upstream tasks runs (its run started).
TriggerDecision decideTrigger(TriggerRule rule, const UpstreamStates &upstream);

} // namespace millrace::scheduler
