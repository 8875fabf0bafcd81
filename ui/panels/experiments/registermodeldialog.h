#pragma once

#include "ui/panels/experiments/artifactfiles.h"

#include <QDialog>
#include <QString>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace millrace::ui {

/// Why `name` cannot name a registered model, in the registry's words (not empty; no '/' or ':',
/// which would split the models:/ URI; not "." or ".."), or empty when it can.
QString modelNameProblem(const QString &name);

/// Register Model… for one run, as MLflow's UI offers it: choose an existing registered model
/// or type a new name, add an optional description, see which run and which files will be
/// copied, and Register. The dialog reads and writes nothing itself: its owner fills in what it
/// loaded off the GUI thread, does the registration when asked, and reports back. A refused
/// name or a run without a model folder is said in the dialog, and Register stays off; after a
/// registration the dialog says which version was made and offers to show it in the Registry.
class RegisterModelDialog : public QDialog
{
    Q_OBJECT
public:
    /// For the run `runId` named `runName` (may be empty).
    RegisterModelDialog(const QString &runId, const QString &runName, QWidget *parent = nullptr);

    /// The registered models to offer, once loaded; what was typed so far stays.
    void setModelNames(const QStringList &names);
    /// The run's `model` folder, once listed: what Register will copy.
    void setModelFolder(const ArtifactListing &folder);
    /// The registry or the run's artifacts could not be read.
    void setLoadError(const QString &message);

    /// The model name chosen or typed, trimmed.
    QString modelName() const;
    /// The description typed, trimmed; it goes on the new version.
    QString description() const;

    /// The registration asked for is running (true) or over (false).
    void setRegistering(bool registering);
    /// The registration failed with `message`; nothing was written and the form stays.
    void showFailure(const QString &message);
    /// The registration made `version` of `name`: says so and offers Show in Registry.
    void showRegistered(const QString &name, qint64 version);

    /// Asks for a registration (through registerRequested) only when it can be done.
    void accept() override;

Q_SIGNALS:
    /// Register was pressed with a usable name and a model folder to copy.
    void registerRequested(const QString &name, const QString &description);
    /// Show in Registry was pressed after `version` of `name` was registered.
    void showInRegistryRequested(const QString &name, qint64 version);

private:
    void update();
    void setMessage(const QString &text, bool problem);
    /// Grows the dialog to the height its wrapped texts need now.
    void growToFit();

    const QString m_runId;
    QStringList m_modelNames;
    bool m_namesKnown = false;
    bool m_folderKnown = false;
    bool m_hasFolder = false;
    bool m_registering = false;
    QString m_loadError;
    QString m_failure;
    QString m_registeredName;
    qint64 m_registeredVersion = 0;

    QComboBox *m_name;
    QLineEdit *m_description;
    QLabel *m_files;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
    QPushButton *m_registerButton;
    QPushButton *m_showButton;
};

} // namespace millrace::ui
