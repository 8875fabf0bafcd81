#pragma once

#include "core/base/result.h"
#include "ui/panels/registry/registryqueries.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QDialog;
class QMenu;
class QWidget;
QT_END_NAMESPACE

namespace millrace {
class Job;
}

namespace millrace::ui {

/// The Registry panel's actions on the selected versions: promote to Staging or Production
/// (after a confirmation that compares with the version there now), archive, set and delete
/// aliases, compare the versions' source runs, export to ONNX. Dialogs do not block the event
/// loop. Writes run one at a time in Jobs on a pool of their own, never on the GUI thread;
/// while one runs, every writing action is disabled. Each write is recorded in the model's
/// history as done by actorName().
class RegistryActions : public QObject
{
    Q_OBJECT
public:
    /// Dialogs open over `dialogParent`, which must outlive this object.
    explicit RegistryActions(QWidget *dialogParent);
    /// Drops pending results and waits for writes still running.
    ~RegistryActions() override;

    /// Writes go to `registry`, which must outlive detach().
    void attach(registry::RegistryStore &registry);
    /// Closes open dialogs, drops pending results and waits for the writes still running.
    void detach();

    /// The model shown and the versions selected in it (by number).
    void setTargets(const ModelDetail &detail, const QList<qint64> &selected);

    /// The actions in toolbar order, with separators, for the toolbar and the context menu.
    QList<QAction *> actions() const;
    /// Whether a write is running.
    bool isBusy() const { return !m_busy.isEmpty(); }

    /// Who the history names for changes made here: "<login name> (Millrace UI)".
    static QString actorName();

Q_SIGNALS:
    /// A write started (`what` says what, e.g. "Promoting v2 to Production") or ended (empty).
    void busyChanged(const QString &what);
    /// A write changed the registry; `message` says what, in a few words.
    void written(const QString &message);
    /// A write failed; `message` is the store's reason, for the user. Nothing changed.
    void failed(const QString &message);
    /// Compare Versions: show these source runs (of these experiments) side by side.
    void compareRunsRequested(const QStringList &experimentIds, const QStringList &runIds);
    /// Export to ONNX… on a READY version.
    void exportToOnnxRequested(const QString &name, qint64 version);

private:
    using Write = std::function<Result<void>(registry::RegistryStore &)>;

    QAction *makeAction(const QString &objectName, const QString &text, const QString &toolTip);
    void updateActions();
    void write(const QString &what, const QString &done, Write work);
    void openDialog(QDialog *dialog);
    QList<registry::ModelVersion> selectedVersions() const;

    void promote(registry::Stage target);
    void archive();
    void setAlias();
    void fillDeleteAliasMenu();
    void compareVersions();
    void exportToOnnx();

    QWidget *m_dialogParent;
    registry::RegistryStore *m_registry = nullptr;
    QThreadPool m_pool;
    QPointer<Job> m_job;
    QList<QPointer<QDialog>> m_dialogs;
    QString m_busy; ///< what the running write does; empty when none runs
    ModelDetail m_detail;
    QList<qint64> m_selected;

    QAction *m_promoteStaging;
    QAction *m_promoteProduction;
    QAction *m_archive;
    QAction *m_setAlias;
    QMenu *m_deleteAliasMenu;
    QAction *m_compare;
    QAction *m_export;
    QAction *m_stageSeparator;
    QAction *m_aliasSeparator;
};

} // namespace millrace::ui
