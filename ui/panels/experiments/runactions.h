#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QWidget;
QT_END_NAMESPACE

namespace millrace {
class Job;
namespace registry {
class RegistryStore;
}
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::ui {

class RegisterModelDialog;
struct WriteOutcome;

/// A run the run actions act on: one of the runs selected in the table.
struct RunTarget
{
    QString id;
    QString name;
    bool deleted = false;
};

/// An experiment the experiment actions act on: one of those selected in the list.
struct ExperimentTarget
{
    QString id;
    QString name;
    bool deleted = false;
};

/// The Experiments panel's actions: delete, restore and copy the ids of the selected runs;
/// create, rename, delete and restore experiments. Confirmations and names are asked in dialogs
/// that do not block the event loop. The writes run in Jobs on a pool of their own, one after
/// another, never on the GUI thread; an action is disabled while its own write runs. Failures
/// arrive as failed() with the store's message and change nothing else; each write that
/// changed the workspace ends with written(), for the panel to reload. Register Model… registers
/// the selected run's model folder in the model registry, through a dialog that shows its own
/// failures and the version made.
class RunActions : public QObject
{
    Q_OBJECT
public:
    /// Dialogs open over `dialogParent`, which must outlive this object.
    explicit RunActions(QWidget *dialogParent);
    /// Drops pending results and waits for writes still running.
    ~RunActions() override;

    /// Writes go to `tracking`, which must outlive detach().
    void attach(tracking::TrackingStore &tracking);
    /// Register Model… writes to `registry`, which must outlive detach(). Call it after
    /// attach(), which lets go of the registry as detach() does; without it the action is off.
    void attachRegistry(registry::RegistryStore &registry);
    /// Closes the Register Model dialog, drops pending results and waits for the reads and
    /// writes still running, so the stores can close.
    void detach();

    /// The runs selected now, in the order shown.
    void setRunTargets(const QList<RunTarget> &runs);
    /// The experiments selected now.
    void setExperimentTargets(const QList<ExperimentTarget> &experiments);

    /// The run actions, with separators, for the run table (context menu, Delete key).
    QList<QAction *> runActions() const;
    /// The experiment actions, with separators, for the experiment list.
    QList<QAction *> experimentActions() const;

Q_SIGNALS:
    /// A write changed the workspace; `message` says what, in a few words.
    void written(const QString &message);
    /// A write failed (or failed in part); `message` is the store's reason, for the user.
    void failed(const QString &message);
    /// New experiment… created the experiment `experimentId`.
    void experimentCreated(const QString &experimentId);
    /// Register Model… made `version` of the registered model `name`.
    void modelRegistered(const QString &name, qint64 version);
    /// Show in Registry was chosen after registering `version` of `name`.
    void showModelRequested(const QString &name, qint64 version);

private:
    using Write = std::function<WriteOutcome(tracking::TrackingStore &)>;

    QAction *makeAction(const QString &objectName, const QString &text);
    void updateActions();
    void write(QAction *action, const QString &name, Write work);
    void confirm(const QString &title, const QString &text, const QString &acceptText,
                 std::function<void()> onAccept);
    void askName(const QString &title, const QString &label, const QString &initial,
                 std::function<void(const QString &)> onAccept);

    void deleteRuns();
    void restoreRuns();
    void copyRunIds();
    void registerModel();
    /// Runs `work` in a Job on the pool; `done` gets its value on the GUI thread unless the job
    /// was dropped.
    void startJob(const QString &name, std::function<QVariant()> work,
                  std::function<void(const QVariant &)> done,
                  std::function<void(const QString &)> failedWith);
    void newExperiment();
    void renameExperiment();
    void deleteExperiments();
    void restoreExperiments();

    QWidget *m_dialogParent;
    tracking::TrackingStore *m_tracking = nullptr;
    registry::RegistryStore *m_registry = nullptr;
    QThreadPool m_pool;
    QList<QPointer<Job>> m_jobs;
    QSet<QAction *> m_busy; ///< actions whose write is running
    QList<RunTarget> m_runs;
    QList<ExperimentTarget> m_experiments;
    QPointer<RegisterModelDialog> m_registerDialog;

    QAction *m_deleteRuns;
    QAction *m_restoreRuns;
    QAction *m_copyRunIds;
    QAction *m_registerModel;
    QAction *m_newExperiment;
    QAction *m_renameExperiment;
    QAction *m_deleteExperiments;
    QAction *m_restoreExperiments;
    QAction *m_runSeparator;
    QAction *m_experimentSeparator;
};

} // namespace millrace::ui
