#pragma once

#include "ui/panels/jobs/jobsqueries.h"

#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace::ui {

/// The Jobs panel's Gantt chart of one run: a row per task (in the DAG's order), a bar per try
/// from its start to its end (to now while it runs) coloured by the try's state, and a time axis
/// in local wall-clock time over them. Clicking a row chooses that task.
class GanttChart : public QWidget
{
    Q_OBJECT
public:
    explicit GanttChart(QWidget *parent = nullptr);

    /// The rows, in order (a task of the run not listed gets a row after them).
    void setTasks(const QStringList &taskIds);
    /// Shows the tries of `detail`.
    void setRun(const RunDetail &detail);
    /// Shows nothing.
    void clear();
    /// Marks `taskId`'s row as chosen (empty: none).
    void setSelectedTask(const QString &taskId);

    /// The bar of try `tryNumber` of `taskId` in widget coordinates, or an empty rectangle.
    QRect barRect(const QString &taskId, int tryNumber) const;
    /// The first and last instant the axis shows (null when there are no tries).
    QDateTime axisStart() const { return m_start; }
    QDateTime axisEnd() const { return m_end; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    /// A task's row was clicked.
    void taskClicked(const QString &taskId);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;

private:
    void updateRange();
    QStringList rows() const;
    int labelWidth() const;
    int axisHeight() const;
    QRect plotRect() const;
    double xOf(const QDateTime &time) const;
    int rowAt(const QPoint &point) const;
    const scheduler::TaskTryRecord *tryAt(const QPoint &point) const;

    QStringList m_tasks;
    RunDetail m_detail;
    bool m_hasRun = false;
    QString m_selected;
    QDateTime m_start;
    QDateTime m_end;
    QTimer *m_runningTimer; ///< repaints while a try runs, so its bar grows
};

/// The spacing of the time axis's ticks for `span` milliseconds over `pixels`: a round step
/// (100 ms ... 1 day) leaving at least `minimumGap` pixels between ticks.
qint64 tickStepMs(qint64 span, int pixels, int minimumGap = 72);

} // namespace millrace::ui
