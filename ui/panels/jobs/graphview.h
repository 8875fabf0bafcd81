#pragma once

#include "core/scheduler/schedulertypes.h"
#include "ui/panels/jobs/graphlayout.h"

#include <QHash>
#include <QWidget>

namespace millrace::ui {

/// The Jobs panel's graph: a DAG's tasks as boxes in dependency layers from left to right, the
/// edges between them as arrows, each box showing the task id and its operator and coloured by
/// the task's state in the chosen run. Clicking a box chooses that task. Meant to sit in a
/// QScrollArea: its size hint is the whole graph.
class GraphView : public QWidget
{
    Q_OBJECT
public:
    explicit GraphView(QWidget *parent = nullptr);

    /// Lays out the tasks of `dag` (nothing when empty).
    void setDag(const scheduler::DagSpec &dag);
    /// Colours the boxes by `states` (by task id; a task not in it has no status).
    void setStates(const QHash<QString, scheduler::TaskState> &states);
    /// Marks `taskId` as chosen (empty: none).
    void setSelectedTask(const QString &taskId);

    const GraphLayout &graphLayout() const { return m_layout; }
    /// The box of `taskId` in widget coordinates, or an empty rectangle.
    QRect nodeRect(const QString &taskId) const;
    /// The state `taskId` is drawn in, if any.
    std::optional<scheduler::TaskState> stateOf(const QString &taskId) const;

    QSize sizeHint() const override;

Q_SIGNALS:
    /// A task's box was clicked.
    void taskClicked(const QString &taskId);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;

private:
    QRect nodeRectAt(int index) const;
    int nodeAt(const QPoint &point) const;
    void updateGeometryFromFont();

    GraphLayout m_layout;
    QHash<QString, scheduler::TaskState> m_states;
    QString m_selected;
    int m_nodeWidth = 150;
    int m_nodeHeight = 44;
};

} // namespace millrace::ui
