#include "ui/panels/experiments/runactions.h"

#include "core/base/job.h"
#include "core/tracking/trackingstore.h"
#include "ui/uilog.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QInputDialog>
#include <QMessageBox>
#include <QPushButton>

namespace millrace::ui {

/// What one write did: how many items it changed, and the store's messages for those it could
/// not change.
struct WriteOutcome
{
    int done = 0;
    int total = 0;
    QStringList errors;
    QString createdId; ///< New experiment: the new experiment's id
};

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::WriteOutcome)

namespace millrace::ui {

namespace {

// MLflow reserves the Default experiment; the store refuses to delete it.
const QString kDefaultExperimentId = QStringLiteral("0");

// Applies `apply` to each of `ids`, going on past failures so one bad id does not keep the
// others as they were.
WriteOutcome applyEach(const QStringList &ids,
                       const std::function<Result<void>(const QString &)> &apply)
{
    WriteOutcome outcome;
    outcome.total = int(ids.size());
    for (const QString &id : ids) {
        const Result<void> result = apply(id);
        if (result)
            ++outcome.done;
        else
            outcome.errors.append(result.errorMessage());
    }
    return outcome;
}

QString quoted(const QString &name)
{
    return QStringLiteral("“%1”").arg(name);
}

} // namespace

RunActions::RunActions(QWidget *dialogParent) : QObject(dialogParent), m_dialogParent(dialogParent)
{
    // One thread: writes happen in the order asked, and each waits for its commit anyway.
    m_pool.setMaxThreadCount(1);

    m_deleteRuns = makeAction(QStringLiteral("deleteRunsAction"), tr("Delete Runs…"));
    m_deleteRuns->setShortcut(QKeySequence::Delete);
    m_restoreRuns = makeAction(QStringLiteral("restoreRunsAction"), tr("Restore Runs"));
    m_copyRunIds = makeAction(QStringLiteral("copyRunIdsAction"), tr("Copy Run ID"));
    m_newExperiment = makeAction(QStringLiteral("newExperimentAction"), tr("New Experiment…"));
    m_renameExperiment =
        makeAction(QStringLiteral("renameExperimentAction"), tr("Rename Experiment…"));
    m_renameExperiment->setShortcut(Qt::Key_F2);
    m_deleteExperiments =
        makeAction(QStringLiteral("deleteExperimentsAction"), tr("Delete Experiment…"));
    m_deleteExperiments->setShortcut(QKeySequence::Delete);
    m_restoreExperiments =
        makeAction(QStringLiteral("restoreExperimentsAction"), tr("Restore Experiment"));
    m_runSeparator = new QAction(this);
    m_runSeparator->setSeparator(true);
    m_experimentSeparator = new QAction(this);
    m_experimentSeparator->setSeparator(true);

    connect(m_deleteRuns, &QAction::triggered, this, &RunActions::deleteRuns);
    connect(m_restoreRuns, &QAction::triggered, this, &RunActions::restoreRuns);
    connect(m_copyRunIds, &QAction::triggered, this, &RunActions::copyRunIds);
    connect(m_newExperiment, &QAction::triggered, this, &RunActions::newExperiment);
    connect(m_renameExperiment, &QAction::triggered, this, &RunActions::renameExperiment);
    connect(m_deleteExperiments, &QAction::triggered, this, &RunActions::deleteExperiments);
    connect(m_restoreExperiments, &QAction::triggered, this, &RunActions::restoreExperiments);
    updateActions();
}

RunActions::~RunActions()
{
    detach();
}

QAction *RunActions::makeAction(const QString &objectName, const QString &text)
{
    auto *action = new QAction(text, this);
    action->setObjectName(objectName);
    // Keys act where the action was added (the run table or the experiment list), so Delete
    // in one never deletes in the other.
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    return action;
}

QList<QAction *> RunActions::runActions() const
{
    return {m_deleteRuns, m_restoreRuns, m_runSeparator, m_copyRunIds};
}

QList<QAction *> RunActions::experimentActions() const
{
    return {m_newExperiment, m_renameExperiment, m_experimentSeparator, m_deleteExperiments,
            m_restoreExperiments};
}

void RunActions::attach(tracking::TrackingStore &tracking)
{
    detach();
    m_tracking = &tracking;
    updateActions();
}

void RunActions::detach()
{
    // A deleted Job emits nothing; the writes still running finish before the store may close.
    for (const QPointer<Job> &job : std::as_const(m_jobs))
        delete job.data();
    m_jobs.clear();
    m_pool.waitForDone();
    m_tracking = nullptr;
    m_busy.clear();
    updateActions();
}

void RunActions::setRunTargets(const QList<RunTarget> &runs)
{
    m_runs = runs;
    updateActions();
}

void RunActions::setExperimentTargets(const QList<ExperimentTarget> &experiments)
{
    m_experiments = experiments;
    updateActions();
}

void RunActions::updateActions()
{
    const bool attached = m_tracking != nullptr;
    int activeRuns = 0;
    int deletedRuns = 0;
    for (const RunTarget &run : std::as_const(m_runs))
        ++(run.deleted ? deletedRuns : activeRuns);
    int activeExperiments = 0;
    int deletedExperiments = 0;
    bool defaultSelected = false;
    for (const ExperimentTarget &experiment : std::as_const(m_experiments)) {
        ++(experiment.deleted ? deletedExperiments : activeExperiments);
        defaultSelected = defaultSelected || experiment.id == kDefaultExperimentId;
    }

    m_deleteRuns->setText(activeRuns > 1 ? tr("Delete %1 Runs…").arg(activeRuns)
                                         : tr("Delete Run…"));
    m_deleteRuns->setEnabled(attached && activeRuns > 0 && !m_busy.contains(m_deleteRuns));
    m_restoreRuns->setText(deletedRuns > 1 ? tr("Restore %1 Runs").arg(deletedRuns)
                                           : tr("Restore Run"));
    m_restoreRuns->setEnabled(attached && deletedRuns > 0 && !m_busy.contains(m_restoreRuns));
    m_restoreRuns->setToolTip(tr("Deleted runs show in italics when “Show deleted” is ticked"));
    m_copyRunIds->setText(m_runs.size() > 1 ? tr("Copy %1 Run IDs").arg(m_runs.size())
                                            : tr("Copy Run ID"));
    m_copyRunIds->setEnabled(!m_runs.isEmpty());

    m_newExperiment->setEnabled(attached && !m_busy.contains(m_newExperiment));
    m_renameExperiment->setEnabled(attached && m_experiments.size() == 1 && activeExperiments == 1
                                   && !m_busy.contains(m_renameExperiment));
    m_deleteExperiments->setEnabled(attached && activeExperiments > 0 && !defaultSelected
                                    && !m_busy.contains(m_deleteExperiments));
    m_deleteExperiments->setToolTip(defaultSelected
                                        ? tr("The Default experiment cannot be deleted")
                                        : tr("Delete the selected experiments and their runs"));
    m_restoreExperiments->setEnabled(attached && deletedExperiments > 0
                                     && !m_busy.contains(m_restoreExperiments));
}

void RunActions::write(QAction *action, const QString &name, Write work)
{
    if (!m_tracking)
        return;
    tracking::TrackingStore *tracking = m_tracking;
    m_busy.insert(action);
    updateActions();
    Job *job = Job::start(
        name, [tracking, work](JobContext &) { return QVariant::fromValue(work(*tracking)); }, this,
        &m_pool);
    m_jobs.append(job);
    auto finish = [this, job, action] {
        m_jobs.removeAll(job);
        job->deleteLater();
        m_busy.remove(action);
        updateActions();
    };
    connect(job, &Job::succeeded, this, [this, finish, name](const QVariant &value) {
        finish();
        const auto outcome = value.value<WriteOutcome>();
        if (outcome.done > 0) {
            qCInfo(lcUi).noquote() << name;
            Q_EMIT written(name);
        }
        if (!outcome.createdId.isEmpty())
            Q_EMIT experimentCreated(outcome.createdId);
        if (!outcome.errors.isEmpty()) {
            // The first reason stands for all: a batch fails for one cause as a rule.
            QString message = outcome.errors.constFirst();
            if (outcome.total > 1)
                message = tr("%1 of %2 failed: %3")
                              .arg(outcome.total - outcome.done)
                              .arg(outcome.total)
                              .arg(message);
            qCWarning(lcUi).noquote() << name << "failed:" << message;
            Q_EMIT failed(message);
        }
    });
    connect(job, &Job::failed, this, [this, finish, name](const QString &message) {
        finish();
        qCWarning(lcUi).noquote() << name << "failed:" << message;
        Q_EMIT failed(message);
    });
}

void RunActions::confirm(const QString &title, const QString &text, const QString &acceptText,
                         std::function<void()> onAccept)
{
    // open(), not exec(): the panel keeps reloading while the question is up, and nothing runs
    // inside a nested event loop.
    auto *box =
        new QMessageBox(QMessageBox::Question, title, text, QMessageBox::Cancel, m_dialogParent);
    box->setObjectName(QStringLiteral("confirmDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(tr("Deleted items can be restored: tick “Show deleted”, select "
                               "them and choose Restore."));
    QPushButton *accept = box->addButton(acceptText, QMessageBox::AcceptRole);
    box->setDefaultButton(accept);
    connect(box, &QMessageBox::finished, this, [box, accept, onAccept = std::move(onAccept)] {
        if (box->clickedButton() == accept)
            onAccept();
    });
    box->open();
}

void RunActions::askName(const QString &title, const QString &label, const QString &initial,
                         std::function<void(const QString &)> onAccept)
{
    auto *dialog = new QInputDialog(m_dialogParent);
    dialog->setObjectName(QStringLiteral("experimentNameDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(title);
    dialog->setLabelText(label);
    dialog->setTextValue(initial);
    connect(dialog, &QInputDialog::textValueSelected, this, std::move(onAccept));
    dialog->open();
}

void RunActions::deleteRuns()
{
    QStringList ids;
    QString name;
    for (const RunTarget &run : std::as_const(m_runs)) {
        if (!run.deleted) {
            ids.append(run.id);
            name = run.name.isEmpty() ? run.id : run.name;
        }
    }
    if (ids.isEmpty())
        return;
    const QString question = ids.size() == 1 ? tr("Delete the run %1?").arg(quoted(name))
                                             : tr("Delete %1 runs?").arg(ids.size());
    const QString done =
        ids.size() == 1 ? tr("Deleted 1 run") : tr("Deleted %1 runs").arg(ids.size());
    confirm(tr("Delete Runs"), question, tr("Delete"), [this, ids, done] {
        write(m_deleteRuns, done, [ids](tracking::TrackingStore &tracking) {
            return applyEach(ids, [&](const QString &id) { return tracking.deleteRun(id); });
        });
    });
}

void RunActions::restoreRuns()
{
    QStringList ids;
    for (const RunTarget &run : std::as_const(m_runs)) {
        if (run.deleted)
            ids.append(run.id);
    }
    if (ids.isEmpty())
        return;
    const QString done =
        ids.size() == 1 ? tr("Restored 1 run") : tr("Restored %1 runs").arg(ids.size());
    write(m_restoreRuns, done, [ids](tracking::TrackingStore &tracking) {
        return applyEach(ids, [&](const QString &id) { return tracking.restoreRun(id); });
    });
}

void RunActions::copyRunIds()
{
    QStringList ids;
    for (const RunTarget &run : std::as_const(m_runs))
        ids.append(run.id);
    if (!ids.isEmpty())
        QGuiApplication::clipboard()->setText(ids.join(QLatin1Char('\n')));
}

void RunActions::newExperiment()
{
    askName(tr("New Experiment"), tr("Name of the new experiment:"), QString(),
            [this](const QString &name) {
                write(m_newExperiment, tr("Created experiment %1").arg(quoted(name)),
                      [name](tracking::TrackingStore &tracking) {
                          WriteOutcome outcome;
                          outcome.total = 1;
                          const Result<QString> created = tracking.createExperiment(name);
                          if (created) {
                              outcome.done = 1;
                              outcome.createdId = *created;
                          } else {
                              outcome.errors.append(created.errorMessage());
                          }
                          return outcome;
                      });
            });
}

void RunActions::renameExperiment()
{
    if (m_experiments.size() != 1)
        return;
    const ExperimentTarget experiment = m_experiments.constFirst();
    askName(tr("Rename Experiment"), tr("New name of %1:").arg(quoted(experiment.name)),
            experiment.name, [this, experiment](const QString &name) {
                if (name == experiment.name)
                    return;
                write(m_renameExperiment,
                      tr("Renamed experiment %1 to %2").arg(quoted(experiment.name), quoted(name)),
                      [id = experiment.id, name](tracking::TrackingStore &tracking) {
                          return applyEach({id}, [&](const QString &experimentId) {
                              return tracking.renameExperiment(experimentId, name);
                          });
                      });
            });
}

void RunActions::deleteExperiments()
{
    QStringList ids;
    QString name;
    for (const ExperimentTarget &experiment : std::as_const(m_experiments)) {
        if (!experiment.deleted) {
            ids.append(experiment.id);
            name = experiment.name;
        }
    }
    if (ids.isEmpty())
        return;
    const QString question = ids.size() == 1
                                 ? tr("Delete the experiment %1 and its runs?").arg(quoted(name))
                                 : tr("Delete %1 experiments and their runs?").arg(ids.size());
    const QString done = ids.size() == 1 ? tr("Deleted experiment %1").arg(quoted(name))
                                         : tr("Deleted %1 experiments").arg(ids.size());
    confirm(tr("Delete Experiments"), question, tr("Delete"), [this, ids, done] {
        write(m_deleteExperiments, done, [ids](tracking::TrackingStore &tracking) {
            return applyEach(ids, [&](const QString &id) { return tracking.deleteExperiment(id); });
        });
    });
}

void RunActions::restoreExperiments()
{
    QStringList ids;
    for (const ExperimentTarget &experiment : std::as_const(m_experiments)) {
        if (experiment.deleted)
            ids.append(experiment.id);
    }
    if (ids.isEmpty())
        return;
    const QString done = ids.size() == 1 ? tr("Restored 1 experiment")
                                         : tr("Restored %1 experiments").arg(ids.size());
    write(m_restoreExperiments, done, [ids](tracking::TrackingStore &tracking) {
        return applyEach(ids, [&](const QString &id) { return tracking.restoreExperiment(id); });
    });
}

} // namespace millrace::ui
