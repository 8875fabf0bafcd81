#include "ui/panels/jobs/graphlayout.h"

#include <QHash>

#include <algorithm>

namespace millrace::ui {

int GraphLayout::indexOf(const QString &taskId) const
{
    for (int i = 0; i < nodes.size(); ++i) {
        if (nodes.at(i).taskId == taskId)
            return i;
    }
    return -1;
}

GraphLayout layoutGraph(const std::vector<scheduler::TaskSpec> &tasks)
{
    GraphLayout layout;
    QHash<QString, int> indexOf;
    for (const scheduler::TaskSpec &task : tasks) {
        indexOf.insert(task.id, int(layout.nodes.size()));
        layout.nodes.append({task.id, task.operatorId, 0, 0});
    }
    QList<QList<int>> upstreamOf(layout.nodes.size());
    for (int i = 0; i < int(tasks.size()); ++i) {
        for (const QString &upstream : tasks[i].upstream) {
            const int from = indexOf.value(upstream, -1);
            if (from < 0 || from == i)
                continue;
            layout.edges.append({from, i});
            upstreamOf[i].append(from);
        }
    }

    // Longest path from a root. The tasks come upstream first, but a pass per task at most
    // settles any order, and the bound keeps a cycle (never loaded) from looping forever.
    for (int pass = 0; pass < layout.nodes.size(); ++pass) {
        bool changed = false;
        for (int i = 0; i < layout.nodes.size(); ++i) {
            int layer = 0;
            for (int from : std::as_const(upstreamOf[i]))
                layer = std::max(layer, layout.nodes[from].layer + 1);
            if (layer != layout.nodes[i].layer) {
                layout.nodes[i].layer = layer;
                changed = true;
            }
        }
        if (!changed)
            break;
    }
    for (const GraphLayout::Node &node : std::as_const(layout.nodes))
        layout.layerCount = std::max(layout.layerCount, node.layer + 1);

    // Slots layer by layer: the first in DAG order, later ones by the mean slot of their
    // upstream tasks.
    QList<QList<int>> layers(layout.layerCount);
    for (int i = 0; i < layout.nodes.size(); ++i)
        layers[layout.nodes[i].layer].append(i);
    for (int layer = 0; layer < layout.layerCount; ++layer) {
        QList<int> &members = layers[layer];
        if (layer > 0) {
            const auto barycentre = [&](int node) {
                // A task past the first layer always has an upstream task.
                const QList<int> &ups = upstreamOf[node];
                double sum = 0;
                for (int from : ups)
                    sum += layout.nodes[from].slot;
                return sum / double(std::max<qsizetype>(1, ups.size()));
            };
            std::stable_sort(members.begin(), members.end(),
                             [&](int a, int b) { return barycentre(a) < barycentre(b); });
        }
        for (int slot = 0; slot < members.size(); ++slot)
            layout.nodes[members[slot]].slot = slot;
        layout.maxSlots = std::max(layout.maxSlots, int(members.size()));
    }
    return layout;
}

} // namespace millrace::ui
