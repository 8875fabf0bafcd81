#pragma once

#include "core/scheduler/schedulertypes.h"

#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace SQLite {
class Database;
}

namespace millrace::ui {

// What the Jobs panel reads from the workspace database. Every function here runs SQL on the
// calling thread: call them through Store::readAsync, never on the GUI thread.

/// The runs of one DAG the grid shows, with their task instances.
struct GridData
{
    QString dagId;
    /// The latest runs, oldest first (the grid puts the newest on the right).
    QList<scheduler::DagRunRecord> runs;
    /// The task instances of those runs, by run row, then task id.
    QHash<qint64, QHash<QString, scheduler::TaskInstanceRecord>> instances;
    /// The scheduler's change counter when this was read.
    qint64 changes = 0;

    /// The instance of `taskId` in run `runRow`, or null.
    const scheduler::TaskInstanceRecord *instance(qint64 runRow, const QString &taskId) const;
};

/// Everything the graph, Gantt and task detail show of one run.
struct RunDetail
{
    scheduler::DagRunRecord run;
    /// By task id.
    QHash<QString, scheduler::TaskInstanceRecord> instances;
    /// Every try of every task, by task then try.
    QList<scheduler::TaskTryRecord> tries;
    /// The tasks' results (XCom "return_value"), by task id.
    QHash<QString, QJsonValue> results;

    /// The tries of `taskId`, first try first.
    QList<scheduler::TaskTryRecord> triesOf(const QString &taskId) const;
};

/// The latest `runLimit` runs of `dagId` with their task instances.
GridData loadGrid(SQLite::Database &db, const QString &dagId, int runLimit);

/// Run `runRow` with its instances, tries and results; nothing when the run is gone.
std::optional<RunDetail> loadRunDetail(SQLite::Database &db, qint64 runRow);

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::GridData)
Q_DECLARE_METATYPE(millrace::ui::RunDetail)
