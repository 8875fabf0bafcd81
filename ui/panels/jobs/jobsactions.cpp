#include "ui/panels/jobs/jobsactions.h"

#include "core/scheduler/schedulerservice.h"
#include "ui/panels/jobs/jobspanellog.h"
#include "ui/panels/jobs/triggerdialog.h"

#include <QAction>
#include <QIcon>
#include <QWidget>

namespace millrace::ui {

using scheduler::TaskState;

namespace {

QAction *makeAction(QObject *parent, const char *name, const QString &text, const char *icon,
                    const QString &toolTip)
{
    auto *action = new QAction(QIcon::fromTheme(QLatin1String(icon)), text, parent);
    action->setObjectName(QLatin1String(name));
    action->setToolTip(toolTip);
    action->setEnabled(false);
    return action;
}

} // namespace

JobsActions::JobsActions(QWidget *dialogParent)
    : QObject(dialogParent), m_dialogParent(dialogParent),
      m_trigger(makeAction(this, "triggerAction", tr("Trigger…"), "media-playback-start",
                           tr("Start a run of the DAG now, with a config"))),
      m_pause(makeAction(this, "pauseDagAction", tr("Pause DAG"), "media-playback-pause",
                         tr("Stop creating scheduled runs of the DAG"))),
      m_clear(makeAction(this, "clearTaskAction", tr("Clear"), "edit-clear",
                         tr("Run the chosen task again, with its retries renewed"))),
      m_clearDownstream(makeAction(this, "clearDownstreamAction", tr("Clear with Downstream"),
                                   "edit-clear-all",
                                   tr("Run the chosen task and every task after it again"))),
      m_markSuccess(makeAction(this, "markSuccessAction", tr("Mark Success"), "dialog-ok",
                               tr("Set the chosen task to success by hand; tasks after it "
                                  "may run"))),
      m_markFailed(makeAction(this, "markFailedAction", tr("Mark Failed"), "dialog-cancel",
                              tr("Set the chosen task to failed by hand; a running try is "
                                 "stopped")))
{
    connect(m_trigger, &QAction::triggered, this, &JobsActions::trigger);
    connect(m_pause, &QAction::triggered, this, [this] {
        if (m_dag)
            Q_EMIT pauseToggled(m_dag->spec.id, !m_dag->paused);
    });
    const auto clear = [this](bool downstream) {
        if (!m_service || m_runRow <= 0 || m_taskId.isEmpty())
            return;
        m_service->clearTask(m_runRow, m_taskId, downstream);
        Q_EMIT requested(
            downstream ? tr("Clearing %1 and its downstream tasks in %2").arg(m_taskId, m_runId)
                       : tr("Clearing %1 in %2").arg(m_taskId, m_runId));
    };
    connect(m_clear, &QAction::triggered, this, [clear] { clear(false); });
    connect(m_clearDownstream, &QAction::triggered, this, [clear] { clear(true); });
    const auto mark = [this](TaskState state) {
        if (!m_service || m_runRow <= 0 || m_taskId.isEmpty())
            return;
        m_service->markTask(m_runRow, m_taskId, state);
        Q_EMIT requested(
            tr("Marking %1 in %2 %3").arg(m_taskId, m_runId, scheduler::toString(state)));
    };
    connect(m_markSuccess, &QAction::triggered, this, [mark] { mark(TaskState::Success); });
    connect(m_markFailed, &QAction::triggered, this, [mark] { mark(TaskState::Failed); });
}

void JobsActions::setService(scheduler::SchedulerService *service)
{
    m_service = service;
    updateActions();
}

void JobsActions::setDag(const std::optional<scheduler::DagSummary> &dag)
{
    m_dag = dag;
    updateActions();
}

void JobsActions::setTaskInstance(qint64 runRow, const QString &taskId, const QString &runId,
                                  std::optional<TaskState> state)
{
    m_runRow = runRow;
    m_taskId = taskId;
    m_runId = runId;
    m_state = state;
    updateActions();
}

QList<QAction *> JobsActions::taskActions() const
{
    return {m_clear, m_clearDownstream, m_markSuccess, m_markFailed};
}

void JobsActions::updateActions()
{
    const bool haveDag = m_service && m_dag;
    m_trigger->setEnabled(haveDag);
    m_pause->setEnabled(haveDag);
    const bool paused = m_dag && m_dag->paused;
    m_pause->setText(paused ? tr("Unpause DAG") : tr("Pause DAG"));
    m_pause->setIcon(
        QIcon::fromTheme(QLatin1String(paused ? "media-playback-start" : "media-playback-pause")));
    m_pause->setToolTip(paused ? tr("Create the DAG's scheduled runs again")
                               : tr("Stop creating scheduled runs of the DAG"));
    const bool haveInstance = m_service && m_runRow > 0 && !m_taskId.isEmpty() && m_state;
    m_clear->setEnabled(haveInstance);
    m_clearDownstream->setEnabled(haveInstance);
    m_markSuccess->setEnabled(haveInstance && m_state != TaskState::Success);
    m_markFailed->setEnabled(haveInstance && m_state != TaskState::Failed);
}

void JobsActions::trigger()
{
    if (!m_service || !m_dag)
        return;
    auto *dialog = new TriggerDialog(m_dag->spec.id, m_dag->spec.defaultConfig, m_dialogParent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!m_service)
            return;
        m_service->trigger(dialog->dagId(), dialog->config(), dialog->runId());
        qCInfo(lcJobsPanel).noquote() << "trigger of" << dialog->dagId() << "asked for";
        Q_EMIT requested(tr("Triggering %1").arg(dialog->dagId()));
    });
    dialog->open();
}

} // namespace millrace::ui
