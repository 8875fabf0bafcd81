#include "ui/panels/registry/registryactions.h"

#include "core/base/job.h"
#include "core/base/loginname.h"
#include "core/registry/registrystore.h"
#include "ui/panels/registry/promotiondialog.h"
#include "ui/panels/registry/registrypanellog.h"
#include "ui/panels/registry/setaliasdialog.h"

#include <QAction>
#include <QDir>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>

namespace millrace::ui {

namespace {

QString versionList(const QList<registry::ModelVersion> &versions)
{
    QStringList names;
    for (const registry::ModelVersion &version : versions)
        names << QStringLiteral("v%1").arg(version.version);
    return names.join(QStringLiteral(", "));
}

} // namespace

RegistryActions::RegistryActions(QWidget *dialogParent)
    : QObject(dialogParent), m_dialogParent(dialogParent)
{
    // One thread: writes happen in the order asked, and each waits for its commit anyway.
    m_pool.setMaxThreadCount(1);

    m_promoteStaging =
        makeAction(QStringLiteral("promoteStagingAction"), tr("Promote to Staging…"),
                   tr("Move the selected version to Staging, after comparing it with the "
                      "version there now"));
    m_promoteProduction =
        makeAction(QStringLiteral("promoteProductionAction"), tr("Promote to Production…"),
                   tr("Move the selected version to Production, after comparing it with the "
                      "version there now"));
    m_archive = makeAction(QStringLiteral("archiveAction"), tr("Archive…"),
                           tr("Move the selected versions to Archived; they keep their files "
                              "and can be promoted again"));
    m_setAlias = makeAction(QStringLiteral("setAliasAction"), tr("Set Alias…"),
                            tr("Point an alias such as champion at the selected version"));
    m_deleteAliasMenu = new QMenu(tr("Delete Alias"), dialogParent);
    m_deleteAliasMenu->setObjectName(QStringLiteral("deleteAliasMenu"));
    QAction *deleteAlias = m_deleteAliasMenu->menuAction();
    deleteAlias->setObjectName(QStringLiteral("deleteAliasAction"));
    deleteAlias->setToolTip(tr("Remove an alias of the selected versions"));
    m_compare = makeAction(QStringLiteral("compareVersionsAction"), tr("Compare"),
                           tr("Compare the source runs of the selected versions in the "
                              "Experiments panel"));
    m_export = makeAction(QStringLiteral("exportOnnxAction"), tr("Export to ONNX…"),
                          tr("Export the selected version to an ONNX file"));
    m_stageSeparator = new QAction(this);
    m_stageSeparator->setSeparator(true);
    m_aliasSeparator = new QAction(this);
    m_aliasSeparator->setSeparator(true);

    connect(m_promoteStaging, &QAction::triggered, this,
            [this] { promote(registry::Stage::Staging); });
    connect(m_promoteProduction, &QAction::triggered, this,
            [this] { promote(registry::Stage::Production); });
    connect(m_archive, &QAction::triggered, this, &RegistryActions::archive);
    connect(m_setAlias, &QAction::triggered, this, &RegistryActions::setAlias);
    connect(m_compare, &QAction::triggered, this, &RegistryActions::compareVersions);
    connect(m_export, &QAction::triggered, this, &RegistryActions::exportToOnnx);
    connect(m_deleteAliasMenu, &QMenu::aboutToShow, this, &RegistryActions::fillDeleteAliasMenu);
    updateActions();
}

RegistryActions::~RegistryActions()
{
    detach();
}

QAction *RegistryActions::makeAction(const QString &objectName, const QString &text,
                                     const QString &toolTip)
{
    auto *action = new QAction(text, this);
    action->setObjectName(objectName);
    action->setToolTip(toolTip);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    return action;
}

QList<QAction *> RegistryActions::actions() const
{
    return {m_promoteStaging, m_promoteProduction, m_archive,
            m_stageSeparator, m_setAlias,          m_deleteAliasMenu->menuAction(),
            m_aliasSeparator, m_compare,           m_export};
}

QString RegistryActions::actorName()
{
    return QStringLiteral("%1 (Millrace UI)").arg(loginName());
}

void RegistryActions::attach(registry::RegistryStore &registry)
{
    detach();
    m_registry = &registry;
    updateActions();
}

void RegistryActions::detach()
{
    for (const QPointer<QDialog> &dialog : std::as_const(m_dialogs))
        delete dialog.data();
    m_dialogs.clear();
    // A deleted Job emits nothing; the write still running finishes before the store may close.
    delete m_job.data();
    m_pool.waitForDone();
    m_registry = nullptr;
    if (!m_busy.isEmpty()) {
        m_busy.clear();
        Q_EMIT busyChanged(QString());
    }
    m_detail = ModelDetail();
    m_selected.clear();
    updateActions();
}

void RegistryActions::setTargets(const ModelDetail &detail, const QList<qint64> &selected)
{
    m_detail = detail;
    m_selected = selected;
    updateActions();
}

QList<registry::ModelVersion> RegistryActions::selectedVersions() const
{
    QList<registry::ModelVersion> versions;
    for (qint64 number : m_selected) {
        if (const registry::ModelVersion *version = m_detail.version(number))
            versions.append(*version);
    }
    return versions;
}

void RegistryActions::updateActions()
{
    const bool canWrite = m_registry && m_busy.isEmpty() && !m_detail.model.name.isEmpty();
    const QList<registry::ModelVersion> versions = selectedVersions();
    const registry::ModelVersion *single = versions.size() == 1 ? &versions.constFirst() : nullptr;
    const bool singleReady = single && single->status == registry::VersionStatus::Ready;

    m_promoteStaging->setEnabled(canWrite && singleReady
                                 && single->stage != registry::Stage::Staging);
    m_promoteProduction->setEnabled(canWrite && singleReady
                                    && single->stage != registry::Stage::Production);

    int archivable = 0;
    for (const registry::ModelVersion &version : versions) {
        if (version.status == registry::VersionStatus::Ready
            && version.stage != registry::Stage::Archived)
            ++archivable;
    }
    m_archive->setText(archivable > 1 ? tr("Archive %1 Versions…").arg(archivable)
                                      : tr("Archive…"));
    m_archive->setEnabled(canWrite && archivable > 0);
    m_setAlias->setEnabled(canWrite && single != nullptr);

    bool hasAliases = false;
    for (const registry::ModelVersion &version : versions)
        hasAliases = hasAliases || !version.aliases.isEmpty();
    m_deleteAliasMenu->menuAction()->setEnabled(canWrite && hasAliases);

    QStringList runs;
    for (const registry::ModelVersion &version : versions) {
        if (m_detail.runOf(version) && !runs.contains(version.runId))
            runs.append(version.runId);
    }
    m_compare->setText(versions.size() > 1 ? tr("Compare %1").arg(versions.size()) : tr("Compare"));
    m_compare->setEnabled(versions.size() > 1 && !runs.isEmpty());
    m_export->setEnabled(singleReady && !m_detail.model.name.isEmpty());
}

void RegistryActions::fillDeleteAliasMenu()
{
    // Filled as it opens, so a reload while it is open does not pull entries from under the
    // pointer.
    m_deleteAliasMenu->clear();
    const QString name = m_detail.model.name;
    for (const registry::ModelVersion &version : selectedVersions()) {
        for (const QString &alias : version.aliases) {
            QAction *entry = m_deleteAliasMenu->addAction(
                QStringLiteral("@%1 (v%2)").arg(alias).arg(version.version));
            entry->setObjectName(QStringLiteral("deleteAlias_") + alias);
            const qint64 number = version.version;
            connect(entry, &QAction::triggered, this, [this, name, alias, number] {
                write(tr("Removing @%1").arg(alias),
                      tr("Removed @%1 from v%2").arg(alias).arg(number),
                      [name, alias](registry::RegistryStore &registry) {
                          return registry.deleteAlias(name, alias, {actorName(), QString()});
                      });
            });
        }
    }
}

void RegistryActions::write(const QString &what, const QString &done, Write work)
{
    if (!m_registry || !m_busy.isEmpty())
        return;
    registry::RegistryStore *registry = m_registry;
    m_busy = what;
    updateActions();
    Q_EMIT busyChanged(what);
    Job *job = Job::start(
        what,
        [registry, work](JobContext &) {
            const Result<void> result = work(*registry);
            return QVariant(result ? QString() : result.errorMessage());
        },
        this, &m_pool);
    m_job = job;
    auto finish = [this, job] {
        m_job = nullptr;
        job->deleteLater();
        m_busy.clear();
        updateActions();
        Q_EMIT busyChanged(QString());
    };
    connect(job, &Job::succeeded, this, [this, finish, what, done](const QVariant &value) {
        finish();
        const QString error = value.toString();
        if (error.isEmpty()) {
            qCInfo(lcRegistryPanel).noquote() << done;
            Q_EMIT written(done);
        } else {
            qCWarning(lcRegistryPanel).noquote() << what << "failed:" << error;
            Q_EMIT failed(error);
        }
    });
    connect(job, &Job::failed, this, [this, finish, what](const QString &message) {
        finish();
        qCWarning(lcRegistryPanel).noquote() << what << "failed:" << message;
        Q_EMIT failed(message);
    });
}

void RegistryActions::openDialog(QDialog *dialog)
{
    // open(), not exec(): the panel keeps following the registry while the dialog is up, and
    // nothing runs inside a nested event loop.
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialogs.removeAll(nullptr);
    m_dialogs.append(dialog);
    dialog->open();
}

void RegistryActions::promote(registry::Stage target)
{
    const QList<registry::ModelVersion> versions = selectedVersions();
    if (versions.size() != 1 || !m_registry)
        return;
    auto *dialog =
        new PromotionDialog(m_detail, versions.constFirst().version, target, m_dialogParent);
    const QString name = m_detail.model.name;
    connect(dialog, &QDialog::accepted, this, [this, dialog, name] {
        const qint64 version = dialog->version();
        const registry::Stage stage = dialog->target();
        const bool archiveExisting = dialog->archiveExisting();
        const registry::Actor actor{actorName(), dialog->reason()};
        QString done = tr("v%1 moved to %2").arg(version).arg(registry::toString(stage));
        if (archiveExisting) {
            QStringList archived;
            for (qint64 current : dialog->currentVersions())
                archived << QStringLiteral("v%1").arg(current);
            done += tr("; %1 archived").arg(archived.join(QStringLiteral(", ")));
        }
        write(tr("Promoting v%1 to %2").arg(version).arg(registry::toString(stage)), done,
              [name, version, stage, archiveExisting, actor](registry::RegistryStore &registry) {
                  const auto moved =
                      registry.transitionStage(name, version, stage, archiveExisting, actor);
                  return moved ? Result<void>() : Result<void>(moved.error());
              });
    });
    openDialog(dialog);
}

void RegistryActions::archive()
{
    QList<registry::ModelVersion> versions;
    for (const registry::ModelVersion &version : selectedVersions()) {
        if (version.status == registry::VersionStatus::Ready
            && version.stage != registry::Stage::Archived)
            versions.append(version);
    }
    if (versions.isEmpty() || !m_registry)
        return;
    QString question =
        versions.size() == 1
            ? tr("Archive %1 (%2 now)?")
                  .arg(versionList(versions), registry::toString(versions.constFirst().stage))
            : tr("Archive %1?").arg(versionList(versions));
    auto *box = new QMessageBox(QMessageBox::Question, tr("Archive"), question, QMessageBox::Cancel,
                                m_dialogParent);
    box->setObjectName(QStringLiteral("archiveConfirmation"));
    box->setInformativeText(tr("Archived versions keep their files and history and can be "
                               "promoted again."));
    QPushButton *accept = box->addButton(tr("Archive"), QMessageBox::AcceptRole);
    box->setDefaultButton(accept);
    const QString name = m_detail.model.name;
    connect(box, &QMessageBox::finished, this, [this, box, accept, name, versions] {
        if (box->clickedButton() != accept)
            return;
        write(tr("Archiving %1").arg(versionList(versions)),
              tr("%1 archived").arg(versionList(versions)),
              [name, versions](registry::RegistryStore &registry) -> Result<void> {
                  for (const registry::ModelVersion &version : versions) {
                      const auto moved =
                          registry.transitionStage(name, version.version, registry::Stage::Archived,
                                                   false, {actorName(), QString()});
                      if (!moved)
                          return moved.error();
                  }
                  return {};
              });
    });
    openDialog(box);
}

void RegistryActions::setAlias()
{
    const QList<registry::ModelVersion> versions = selectedVersions();
    if (versions.size() != 1 || !m_registry)
        return;
    const QString name = m_detail.model.name;
    const qint64 version = versions.constFirst().version;
    auto *dialog = new SetAliasDialog(name, version, m_detail.model.aliases, m_dialogParent);
    connect(dialog, &QDialog::accepted, this, [this, dialog, name, version] {
        const QString alias = dialog->alias();
        write(tr("Setting @%1").arg(alias), tr("@%1 points at v%2").arg(alias).arg(version),
              [name, alias, version](registry::RegistryStore &registry) {
                  return registry.setAlias(name, alias, version, {actorName(), QString()});
              });
    });
    openDialog(dialog);
}

void RegistryActions::compareVersions()
{
    QStringList experimentIds;
    QStringList runIds;
    for (const registry::ModelVersion &version : selectedVersions()) {
        const tracking::Run *run = m_detail.runOf(version);
        if (!run || runIds.contains(run->info.runId))
            continue;
        runIds.append(run->info.runId);
        if (!experimentIds.contains(run->info.experimentId))
            experimentIds.append(run->info.experimentId);
    }
    if (!runIds.isEmpty())
        Q_EMIT compareRunsRequested(experimentIds, runIds);
}

void RegistryActions::exportToOnnx()
{
    const QList<registry::ModelVersion> versions = selectedVersions();
    if (versions.size() == 1 && versions.constFirst().status == registry::VersionStatus::Ready)
        Q_EMIT exportToOnnxRequested(m_detail.model.name, versions.constFirst().version);
}

} // namespace millrace::ui
