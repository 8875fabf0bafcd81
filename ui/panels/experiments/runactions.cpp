#include "ui/panels/experiments/runactions.h"

#include "core/base/job.h"
#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"
#include "ui/panels/experiments/artifactfiles.h"
#include "ui/panels/experiments/registermodeldialog.h"
#include "ui/panels/registry/registryactions.h"
#include "ui/panels/registry/registryqueries.h"
#include "ui/uilog.h"

#include <QAction>
#include <QClipboard>
#include <QDir>
#include <QFileInfo>
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

/// What Register Model… reads before the user chooses: the names to offer, the files to copy.
struct RegistrationChoices
{
    QStringList modelNames;
    QString namesError;
    ArtifactListing modelFolder; ///< the run's `model` artifact folder
};

/// How Register Model… ended: the version made, or why none was.
struct RegistrationOutcome
{
    qint64 version = 0;
    QString error;
};

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::WriteOutcome)
Q_DECLARE_METATYPE(millrace::ui::RegistrationChoices)
Q_DECLARE_METATYPE(millrace::ui::RegistrationOutcome)

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

// The artifact folder a run's model is logged to, by MLflow's convention and the trainer's.
const QString kModelFolder = QStringLiteral("model");
// The most files of a model folder the Register Model dialog lists; the copy takes them all.
constexpr int kMaxListedModelFiles = 2000;

RegistrationChoices loadRegistrationChoices(const registry::RegistryStore &registry,
                                            const tracking::TrackingStore &tracking,
                                            const QString &runId)
{
    RegistrationChoices choices;
    if (const auto models = loadRegisteredModels(registry)) {
        for (const registry::RegisteredModel &model : *models)
            choices.modelNames.append(model.name);
    } else {
        choices.namesError = models.errorMessage();
    }
    if (const Result<QString> directory = tracking.runArtifactDirectory(runId))
        choices.modelFolder =
            listArtifactDirectory(QDir(*directory).filePath(kModelFolder), kMaxListedModelFiles);
    else
        choices.modelFolder.error = directory.errorMessage();
    return choices;
}

// Registers the run's model folder as the next version of `name`, creating the model when the
// name is new, as `millrace models register` does. The store looks at the source only once the
// model exists, so the folder is checked first, and a model made here is taken back when its
// first version still fails: a refused registration leaves no empty model behind.
Result<qint64> registerRunModel(registry::RegistryStore &registry,
                                const tracking::TrackingStore &tracking, const QString &runId,
                                const QString &name, const QString &description)
{
    const Result<QString> directory = tracking.runArtifactDirectory(runId);
    if (!directory)
        return directory.error();
    const QString folder = QDir(*directory).filePath(kModelFolder);
    if (!QFileInfo(folder).isDir())
        return fail(QObject::tr("The run has no model folder to register: nothing at %1.")
                        .arg(QDir::toNativeSeparators(folder)));

    bool created = false;
    if (const auto existing = registry.registeredModel(name); !existing) {
        if (existing.error().code != registry::errorcode::kResourceDoesNotExist)
            return existing.error();
        const auto made = registry.createRegisteredModel(name);
        // Made elsewhere (the REST API) since: a version of that model, then.
        if (!made && made.error().code != registry::errorcode::kResourceAlreadyExists)
            return made.error();
        created = bool(made);
    }

    registry::NewModelVersion request;
    request.name = name;
    request.source = QStringLiteral("runs:/%1/%2").arg(runId, kModelFolder);
    request.runId = runId;
    request.description = description;
    const auto version =
        registry.createModelVersion(request, {RegistryActions::actorName(), QString()});
    QString failure;
    if (!version)
        failure = version.errorMessage();
    else if (version->status != registry::VersionStatus::Ready)
        failure = QObject::tr("Version %1 of %2 failed to register: %3")
                      .arg(version->version)
                      .arg(name, version->statusMessage);
    if (failure.isEmpty())
        return version->version;
    if (created && !registry.deleteRegisteredModel(name))
        qCWarning(lcUi).noquote() << "could not remove the model" << name
                                  << "made for a registration that failed";
    return fail(failure);
}

} // namespace

RunActions::RunActions(QWidget *dialogParent) : QObject(dialogParent), m_dialogParent(dialogParent)
{
    setObjectName(QStringLiteral("runActions"));
    // One thread: writes happen in the order asked, and each waits for its commit anyway.
    m_pool.setMaxThreadCount(1);

    m_deleteRuns = makeAction(QStringLiteral("deleteRunsAction"), tr("Delete Runs…"));
    m_deleteRuns->setShortcut(QKeySequence::Delete);
    m_restoreRuns = makeAction(QStringLiteral("restoreRunsAction"), tr("Restore Runs"));
    m_copyRunIds = makeAction(QStringLiteral("copyRunIdsAction"), tr("Copy Run ID"));
    m_registerModel = makeAction(QStringLiteral("registerModelAction"), tr("Register Model…"));
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
    connect(m_registerModel, &QAction::triggered, this, &RunActions::registerModel);
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
    return {m_deleteRuns, m_restoreRuns, m_runSeparator, m_registerModel, m_copyRunIds};
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

void RunActions::attachRegistry(registry::RegistryStore &registry)
{
    m_registry = &registry;
    updateActions();
}

void RunActions::detach()
{
    delete m_registerDialog.data();
    // A deleted Job emits nothing; the writes still running finish before the store may close.
    for (const QPointer<Job> &job : std::as_const(m_jobs))
        delete job.data();
    m_jobs.clear();
    m_pool.waitForDone();
    m_tracking = nullptr;
    m_registry = nullptr;
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
    // Whether the run has a model folder is read when the dialog opens, off the GUI thread;
    // the dialog says so when it has none.
    m_registerModel->setEnabled(attached && m_registry && m_runs.size() == 1
                                && !m_runs.constFirst().deleted
                                && !m_busy.contains(m_registerModel));
    m_registerModel->setToolTip(
        tr("Register the model the selected run logged (its “model” artifact folder) as a new "
           "version of a registered model"));

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

void RunActions::registerModel()
{
    if (!m_tracking || !m_registry || m_runs.size() != 1 || m_runs.constFirst().deleted)
        return;
    const RunTarget run = m_runs.constFirst();
    auto *dialog = new RegisterModelDialog(run.id, run.name, m_dialogParent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_registerDialog = dialog;
    const QPointer<RegisterModelDialog> guard(dialog);
    tracking::TrackingStore *tracking = m_tracking;
    registry::RegistryStore *registry = m_registry;

    startJob(
        tr("Reading the model folder of run %1").arg(run.id),
        [registry, tracking, runId = run.id] {
            return QVariant::fromValue(loadRegistrationChoices(*registry, *tracking, runId));
        },
        [guard](const QVariant &value) {
            if (!guard)
                return;
            const auto choices = value.value<RegistrationChoices>();
            guard->setModelNames(choices.modelNames);
            guard->setModelFolder(choices.modelFolder);
            if (!choices.namesError.isEmpty())
                guard->setLoadError(choices.namesError);
        },
        [guard](const QString &message) {
            if (guard)
                guard->setLoadError(message);
        });

    connect(dialog, &RegisterModelDialog::showInRegistryRequested, this,
            &RunActions::showModelRequested);
    connect(dialog, &RegisterModelDialog::registerRequested, this,
            [this, guard, tracking, registry, runId = run.id](const QString &name,
                                                              const QString &description) {
                if (m_tracking != tracking || m_registry != registry || !guard)
                    return;
                guard->setRegistering(true);
                m_busy.insert(m_registerModel);
                updateActions();
                const QString what = tr("Registering run %1 as %2").arg(runId, quoted(name));
                // The dialog may be closed while the files copy: the outcome then shows in the
                // status bar or the panel's error line.
                auto finish = [this, guard, name, what](const RegistrationOutcome &outcome) {
                    m_busy.remove(m_registerModel);
                    updateActions();
                    if (guard)
                        guard->setRegistering(false);
                    if (outcome.version > 0) {
                        const QString done =
                            tr("Registered %1 version %2").arg(name).arg(outcome.version);
                        qCInfo(lcUi).noquote() << done;
                        if (guard)
                            guard->showRegistered(name, outcome.version);
                        Q_EMIT written(done);
                        Q_EMIT modelRegistered(name, outcome.version);
                        return;
                    }
                    qCWarning(lcUi).noquote() << what << "failed:" << outcome.error;
                    if (guard)
                        guard->showFailure(outcome.error);
                    else
                        Q_EMIT failed(outcome.error);
                };
                startJob(
                    what,
                    [registry, tracking, runId, name, description] {
                        RegistrationOutcome outcome;
                        const Result<qint64> version =
                            registerRunModel(*registry, *tracking, runId, name, description);
                        if (version)
                            outcome.version = *version;
                        else
                            outcome.error = version.errorMessage();
                        return QVariant::fromValue(outcome);
                    },
                    [finish](const QVariant &value) { finish(value.value<RegistrationOutcome>()); },
                    [finish](const QString &message) {
                        finish({0, message});
                    });
            });
    dialog->open();
}

void RunActions::startJob(const QString &name, std::function<QVariant()> work,
                          std::function<void(const QVariant &)> done,
                          std::function<void(const QString &)> failedWith)
{
    Job *job = Job::start(
        name, [work = std::move(work)](JobContext &) { return work(); }, this, &m_pool);
    m_jobs.append(job);
    auto forget = [this, job] {
        m_jobs.removeAll(job);
        job->deleteLater();
    };
    connect(job, &Job::succeeded, this, [forget, done = std::move(done)](const QVariant &value) {
        forget();
        done(value);
    });
    connect(job, &Job::failed, this,
            [forget, failedWith = std::move(failedWith)](const QString &message) {
                forget();
                failedWith(message);
            });
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
