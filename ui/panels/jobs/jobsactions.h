#pragma once

#include "core/scheduler/schedulertypes.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QWidget;
QT_END_NAMESPACE

namespace millrace::scheduler {
class SchedulerService;
}

namespace millrace::ui {

/// The Jobs panel's actions on the DAG and task instance chosen: Trigger… (with the trigger
/// dialog), Pause/Unpause DAG, Clear, Clear with Downstream, Mark Success and Mark Failed. Each
/// is enabled only when it applies; the scheduler's methods they call queue to its thread and
/// never block. What was asked is reported with requested(); failures arrive as the scheduler's
/// actionFailed().
class JobsActions : public QObject
{
    Q_OBJECT
public:
    /// Dialogs open over `dialogParent`.
    explicit JobsActions(QWidget *dialogParent);

    /// The scheduler the actions go to (null: none; every action is then disabled).
    void setService(scheduler::SchedulerService *service);
    /// The DAG chosen (nothing: none).
    void setDag(const std::optional<scheduler::DagSummary> &dag);
    /// The task instance chosen: task `taskId` of run `runRow` (0: none), in `state` when it has
    /// an instance.
    void setTaskInstance(qint64 runRow, const QString &taskId, const QString &runId,
                         std::optional<scheduler::TaskState> state);

    QAction *triggerAction() const { return m_trigger; }
    QAction *pauseAction() const { return m_pause; }
    QAction *clearAction() const { return m_clear; }
    QAction *clearDownstreamAction() const { return m_clearDownstream; }
    QAction *markSuccessAction() const { return m_markSuccess; }
    QAction *markFailedAction() const { return m_markFailed; }
    /// The actions on a task instance, for a context menu.
    QList<QAction *> taskActions() const;

Q_SIGNALS:
    /// Pause/Unpause DAG was chosen: `dagId` should become `paused`.
    void pauseToggled(const QString &dagId, bool paused);
    /// An action was sent to the scheduler; one line saying what.
    void requested(const QString &what);

private:
    void trigger();
    void updateActions();

    QWidget *m_dialogParent;
    QPointer<scheduler::SchedulerService> m_service;
    std::optional<scheduler::DagSummary> m_dag;
    qint64 m_runRow = 0;
    QString m_taskId;
    QString m_runId;
    std::optional<scheduler::TaskState> m_state;

    QAction *m_trigger;
    QAction *m_pause;
    QAction *m_clear;
    QAction *m_clearDownstream;
    QAction *m_markSuccess;
    QAction *m_markFailed;
};

} // namespace millrace::ui
