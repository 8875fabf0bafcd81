#pragma once

#include "core/base/result.h"

#include <QFuture>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>

namespace millrace {
class Store;
}

/// One action for the scheduler of the app holding a workspace, as a row of scheduler_requests
/// (SchedulerService::applyRequest reads it; its loop applies each row once and writes the
/// outcome into the same row).
struct SchedulerRequest
{
    QString action; ///< trigger, pause, unpause, backfill, clear, mark, pool_set or pool_delete
    QString dagId;  ///< empty for the pool actions, whose payload names the pool
    QJsonObject payload;
};

/// A request on its way into the database: `written` finishes once the row is committed, and
/// `id` holds the row's id from then on.
struct QueuedSchedulerRequest
{
    QFuture<millrace::Result<void>> written;
    std::shared_ptr<const qint64> id;
};

/// A writable store over the workspace at `root` for queueing requests while the app holds it
/// (SQLite's busy timeout lets this process write beside the app). Refuses a database of
/// another schema than this build's rather than migrate it under the running app.
millrace::Result<std::unique_ptr<millrace::Store>> openForSchedulerRequests(const QString &root);

/// Queues `request` through `store`'s writer without waiting for it: `millrace dags trigger`
/// waits on the result, the Kafka predictor of `millrace serve --predict` does not.
QueuedSchedulerRequest queueSchedulerRequest(millrace::Store &store,
                                             const SchedulerRequest &request);

/// Polls request `id` until the scheduler has answered it or `waitSeconds` have passed: its
/// outcome, the scheduler's refusal as the Error, or nothing when it is still unanswered.
millrace::Result<std::optional<QJsonObject>> awaitSchedulerRequest(millrace::Store &store,
                                                                   qint64 id, int waitSeconds);
