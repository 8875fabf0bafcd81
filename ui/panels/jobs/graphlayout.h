#pragma once

#include "core/scheduler/dagspec.h"

#include <QList>
#include <QString>

#include <utility>
#include <vector>

namespace millrace::ui {

/// Where the graph view puts a DAG's tasks: each task in a layer (its longest path from a task
/// without upstream tasks, so every edge points to a later layer, left to right) and a slot
/// within its layer (top to bottom).
struct GraphLayout
{
    struct Node
    {
        QString taskId;
        QString operatorId;
        int layer = 0;
        int slot = 0;
    };
    /// In the DAG's order.
    QList<Node> nodes;
    /// Upstream -> downstream, as indexes into `nodes`.
    QList<std::pair<int, int>> edges;
    int layerCount = 0;
    /// The most nodes any layer has.
    int maxSlots = 0;

    /// The index of `taskId` in `nodes`, or -1.
    int indexOf(const QString &taskId) const;
};

/// Lays out `tasks` (upstream ids that name no task are ignored). Within a layer, tasks are
/// ordered by where their upstream tasks sit (the barycentre heuristic), ties in the DAG's
/// order, which keeps edges from crossing in the usual fan-out and fan-in shapes.
GraphLayout layoutGraph(const std::vector<scheduler::TaskSpec> &tasks);

} // namespace millrace::ui
