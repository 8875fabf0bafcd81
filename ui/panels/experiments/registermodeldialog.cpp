#include "ui/panels/experiments/registermodeldialog.h"

#include "core/registry/registrystore.h"

#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

// Files named in the summary of what Register copies; the rest are counted.
constexpr int kNamedFiles = 4;

QString quoted(const QString &name)
{
    return QStringLiteral("“%1”").arg(name);
}

} // namespace

QString modelNameProblem(const QString &name)
{
    // The registry's own rule (MLflow's), checked here to say why at once and write nothing;
    // the store checks again when it writes.
    if (name.trimmed().isEmpty())
        return QObject::tr("Type a name for the model.");
    return registry::validateModelName(name).errorMessage();
}

RegisterModelDialog::RegisterModelDialog(const QString &runId, const QString &runName,
                                         QWidget *parent)
    : QDialog(parent), m_runId(runId), m_name(new QComboBox), m_description(new QLineEdit),
      m_files(new QLabel), m_message(new QLabel)
{
    setObjectName(QStringLiteral("registerModelDialog"));
    setWindowTitle(tr("Register Model"));

    auto *run = new QLabel(
        tr("Registers the model logged by the run <b>%1</b> (<tt>%2</tt>) as a "
           "new version of a registered model.")
            .arg((runName.isEmpty() ? runId : runName).toHtmlEscaped(), runId.toHtmlEscaped()));
    run->setObjectName(QStringLiteral("registerModelRun"));
    run->setWordWrap(true);
    run->setTextFormat(Qt::RichText);
    run->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_name->setObjectName(QStringLiteral("registerModelName"));
    m_name->setEditable(true);
    // Enter registers; it must not add the typed name to the list as a choice.
    m_name->setInsertPolicy(QComboBox::NoInsert);
    m_name->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_name->setMinimumContentsLength(28);
    m_name->lineEdit()->setPlaceholderText(tr("A registered model, or a new name"));
    // Model names are case-sensitive: "CNN" must not complete to "cnn-v2".
    m_name->completer()->setCaseSensitivity(Qt::CaseSensitive);
    m_name->setToolTip(tr("Choose a registered model to add a version to, or type a new name to "
                          "create the model"));

    m_description->setObjectName(QStringLiteral("registerModelDescription"));
    m_description->setPlaceholderText(tr("Optional: what is new in this version"));

    m_files->setObjectName(QStringLiteral("registerModelFiles"));
    m_files->setWordWrap(true);
    m_files->setTextFormat(Qt::RichText);
    m_files->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_files->setText(tr("Reading the run's model folder…"));

    auto *form = new QFormLayout;
    form->addRow(tr("Model:"), m_name);
    form->addRow(tr("Description:"), m_description);
    form->addRow(tr("Copies:"), m_files);

    m_message->setObjectName(QStringLiteral("registerModelMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setMinimumHeight(m_message->fontMetrics().height() * 2);
    m_message->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_registerButton = m_buttons->addButton(tr("Register"), QDialogButtonBox::AcceptRole);
    m_registerButton->setObjectName(QStringLiteral("registerModelButton"));
    m_registerButton->setDefault(true);
    m_showButton = m_buttons->addButton(tr("Show in Registry"), QDialogButtonBox::ActionRole);
    m_showButton->setObjectName(QStringLiteral("showInRegistryButton"));
    m_showButton->hide();
    // Enter means "register": while that cannot be done it does nothing, rather than falling
    // through to Cancel as an auto-default button would.
    m_buttons->button(QDialogButtonBox::Cancel)->setAutoDefault(false);
    m_showButton->setAutoDefault(false);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &RegisterModelDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &RegisterModelDialog::reject);
    connect(m_showButton, &QPushButton::clicked, this, [this] {
        Q_EMIT showInRegistryRequested(m_registeredName, m_registeredVersion);
        QDialog::accept();
    });
    // A failure is about what was asked; asking something else clears it.
    connect(m_name, &QComboBox::editTextChanged, this, [this] {
        m_failure.clear();
        update();
    });
    connect(m_description, &QLineEdit::textChanged, this, [this] {
        m_failure.clear();
        update();
    });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(run);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(m_buttons);
    resize(520, sizeHint().height());
    update();
}

void RegisterModelDialog::setModelNames(const QStringList &names)
{
    // Refilling an editable combo replaces its text: keep what the user typed, where they typed.
    const QString typed = m_name->currentText();
    const int cursor = m_name->lineEdit()->cursorPosition();
    {
        const QSignalBlocker blocker(m_name);
        m_name->clear();
        m_name->addItems(names);
        m_name->setCurrentIndex(-1);
        m_name->setEditText(typed);
        m_name->lineEdit()->setCursorPosition(cursor);
    }
    m_modelNames = names;
    m_namesKnown = true;
    update();
}

void RegisterModelDialog::setModelFolder(const ArtifactListing &folder)
{
    m_folderKnown = true;
    m_hasFolder = folder.exists && folder.error.isEmpty();
    if (!folder.error.isEmpty()) {
        m_files->setText(tr("Nothing: the model folder could not be read."));
        m_loadError = folder.error;
    } else if (!folder.exists) {
        m_files->setText(tr("Nothing: the run has no <tt>model</tt> folder among its artifacts."));
    } else {
        int files = 0;
        qint64 bytes = 0;
        QStringList named;
        for (const ArtifactEntry &entry : folder.entries) {
            if (entry.isDir)
                continue;
            ++files;
            bytes += entry.size;
            if (named.size() < kNamedFiles)
                named.append(entry.path.toHtmlEscaped());
        }
        if (files > kNamedFiles)
            named.append(tr("and %1 more").arg(files - kNamedFiles));
        QString count = files == 1 ? tr("1 file") : tr("%1 files").arg(files);
        if (folder.truncated)
            count = tr("more than %1").arg(count);
        QString text = tr("<tt>runs:/%1/model</tt>: %2, %3")
                           .arg(m_runId.toHtmlEscaped(), count, artifactSizeText(bytes));
        if (!named.isEmpty())
            text += QStringLiteral(" (%1)").arg(named.join(QStringLiteral(", ")));
        text += QStringLiteral("<br>")
                + tr("They are copied into the workspace, so the version stays usable when the "
                     "run is deleted.");
        m_files->setText(text);
    }
    update();
    growToFit();
}

void RegisterModelDialog::setLoadError(const QString &message)
{
    m_loadError = message;
    update();
}

QString RegisterModelDialog::modelName() const
{
    return m_name->currentText().trimmed();
}

QString RegisterModelDialog::description() const
{
    return m_description->text().trimmed();
}

void RegisterModelDialog::setRegistering(bool registering)
{
    m_registering = registering;
    m_name->setEnabled(!registering);
    m_description->setEnabled(!registering);
    update();
}

void RegisterModelDialog::showFailure(const QString &message)
{
    m_failure = message;
    update();
}

void RegisterModelDialog::showRegistered(const QString &name, qint64 version)
{
    m_registeredName = name;
    m_registeredVersion = version;
    m_failure.clear();
    m_name->setEnabled(false);
    m_description->setEnabled(false);
    m_registerButton->hide();
    m_buttons->button(QDialogButtonBox::Cancel)->setText(tr("Close"));
    m_showButton->show();
    m_showButton->setDefault(true);
    update();
}

void RegisterModelDialog::accept()
{
    if (m_registeredVersion > 0) {
        QDialog::accept();
        return;
    }
    update();
    if (m_registerButton->isEnabled())
        Q_EMIT registerRequested(modelName(), description());
}

void RegisterModelDialog::update()
{
    const QString name = modelName();
    const QString problem = modelNameProblem(name);
    m_registerButton->setEnabled(m_registeredVersion == 0 && !m_registering && m_folderKnown
                                 && m_hasFolder && m_loadError.isEmpty() && problem.isEmpty());

    if (m_registeredVersion > 0)
        setMessage(tr("Registered %1 version %2.").arg(m_registeredName).arg(m_registeredVersion),
                   false);
    else if (m_registering)
        setMessage(tr("Registering: copying the model's files…"), false);
    else if (!m_failure.isEmpty())
        setMessage(m_failure, true);
    else if (!m_loadError.isEmpty())
        setMessage(m_loadError, true);
    else if (m_folderKnown && !m_hasFolder)
        setMessage(tr("This run has no model folder to register. Training runs log one; from "
                      "Python, log the model as the artifact “model”, e.g. with "
                      "mlflow.pytorch.log_model(model, \"model\")."),
                   true);
    else if (name.isEmpty())
        setMessage(tr("Choose a registered model to add a version to, or type a new name."), false);
    else if (!problem.isEmpty())
        setMessage(problem, true);
    else if (!m_namesKnown)
        setMessage(tr("Registers the model as a version of %1.").arg(quoted(name)), false);
    else if (m_modelNames.contains(name))
        setMessage(tr("Adds the next version to the registered model %1.").arg(quoted(name)),
                   false);
    else
        setMessage(tr("Creates the registered model %1, with this run's model as version 1.")
                       .arg(quoted(name)),
                   false);
}

void RegisterModelDialog::setMessage(const QString &text, bool problem)
{
    QPalette palette = this->palette();
    if (problem) {
        // Red that reads on light and dark windows alike.
        const bool dark = palette.color(QPalette::Window).lightness() < 128;
        palette.setColor(QPalette::WindowText,
                         dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb7, 0x1c, 0x1c));
    }
    m_message->setPalette(palette);
    if (m_message->text() != text) {
        m_message->setText(text);
        growToFit();
    }
}

void RegisterModelDialog::growToFit()
{
    // Wrapped labels need more height as their text grows; a dialog keeps the size it was given,
    // so it follows them, and nothing is cut off.
    QLayout *box = layout();
    if (!box)
        return;
    box->activate();
    const int needed = box->hasHeightForWidth() ? box->totalHeightForWidth(width())
                                                : box->totalSizeHint().height();
    if (needed > height())
        resize(width(), needed);
}

} // namespace millrace::ui
