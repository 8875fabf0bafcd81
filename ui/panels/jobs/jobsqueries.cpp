#include "ui/panels/jobs/jobsqueries.h"

#include "core/scheduler/schedulerdb.h"

#include <algorithm>

namespace millrace::ui {

namespace schedulerdb = scheduler::schedulerdb;

const scheduler::TaskInstanceRecord *GridData::instance(qint64 runRow, const QString &taskId) const
{
    const auto run = instances.constFind(runRow);
    if (run == instances.constEnd())
        return nullptr;
    const auto task = run->constFind(taskId);
    return task == run->constEnd() ? nullptr : &*task;
}

QList<scheduler::TaskTryRecord> RunDetail::triesOf(const QString &taskId) const
{
    QList<scheduler::TaskTryRecord> found;
    for (const scheduler::TaskTryRecord &attempt : tries) {
        if (attempt.taskId == taskId)
            found.append(attempt);
    }
    std::sort(found.begin(), found.end(),
              [](const auto &a, const auto &b) { return a.tryNumber < b.tryNumber; });
    return found;
}

GridData loadGrid(SQLite::Database &db, const QString &dagId, int runLimit)
{
    GridData grid;
    grid.dagId = dagId;
    // Read first: whatever changes after this read moves the counter past it.
    grid.changes = schedulerdb::changeCounter(db);
    grid.runs = schedulerdb::runs(db, dagId, runLimit);
    std::reverse(grid.runs.begin(), grid.runs.end());
    QList<qint64> rows;
    rows.reserve(grid.runs.size());
    for (const scheduler::DagRunRecord &run : std::as_const(grid.runs))
        rows.append(run.row);
    if (!rows.isEmpty()) {
        for (const scheduler::TaskInstanceRecord &instance : schedulerdb::taskInstances(db, rows))
            grid.instances[instance.runRow].insert(instance.taskId, instance);
    }
    return grid;
}

std::optional<RunDetail> loadRunDetail(SQLite::Database &db, qint64 runRow)
{
    std::optional<scheduler::DagRunRecord> run = schedulerdb::run(db, runRow);
    if (!run)
        return std::nullopt;
    RunDetail detail;
    detail.run = *run;
    for (const scheduler::TaskInstanceRecord &instance : schedulerdb::taskInstances(db, runRow))
        detail.instances.insert(instance.taskId, instance);
    detail.tries = schedulerdb::tries(db, runRow);
    detail.results = schedulerdb::results(db, runRow);
    return detail;
}

} // namespace millrace::ui
