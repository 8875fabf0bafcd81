#include "ui/dialogs/onnxexportdialog.h"

#include "core/ml/onnxexport.h"
#include "core/training/registeredmodels.h"
#include "ui/uilog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace millrace::ui {

namespace {

/// A float32 tensor's shape as the export report describes it: "float32 {batch, 10}".
QString tensorText(const std::vector<std::int64_t> &shape)
{
    QStringList dimensions;
    for (const std::int64_t dimension : shape)
        dimensions << (dimension < 0 ? QStringLiteral("batch") : QString::number(dimension));
    return QStringLiteral("float32 {%1}").arg(dimensions.join(QStringLiteral(", ")));
}

} // namespace

struct OnnxExportDialog::Outcome
{
    Result<ml::OnnxExportReport> report = fail(QString());
};

OnnxExportDialog::OnnxExportDialog(registry::RegistryStore &registry,
                                   ml::ArchitectureLookup architectures, QString modelName,
                                   qint64 version, QWidget *parent)
    : QDialog(parent), m_registry(registry), m_architectures(std::move(architectures)),
      m_modelName(std::move(modelName)), m_version(version)
{
    setObjectName(QStringLiteral("onnxExportDialog"));
    setWindowTitle(tr("Export %1 version %2 to ONNX").arg(m_modelName).arg(m_version));

    m_directory = new QLineEdit(this);
    m_directory->setObjectName(QStringLiteral("onnxDirectory"));
    m_directory->setText(
        QDir::home().filePath(QStringLiteral("%1-v%2-onnx")
                                  .arg(QString(m_modelName).replace(QLatin1Char(' '), '-'))
                                  .arg(m_version)));
    m_browse = new QPushButton(tr("Choose…"), this);
    connect(m_browse, &QPushButton::clicked, this, &OnnxExportDialog::chooseDirectory);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_directory, 1);
    folderRow->addWidget(m_browse);

    m_opset = new QSpinBox(this);
    m_opset->setObjectName(QStringLiteral("onnxOpset"));
    m_opset->setRange(ml::kOnnxMinimumOpset, ml::kOnnxMaximumOpset);
    m_opset->setValue(ml::kOnnxMaximumOpset);
    m_opset->setToolTip(tr("The ONNX operator set of the graph. Older runtimes may need a lower "
                           "one; %1 to %2 are supported.")
                            .arg(ml::kOnnxMinimumOpset)
                            .arg(ml::kOnnxMaximumOpset));

    // The opset needs three digits, not the dialog's width; what the range means beside it.
    auto *opsetHint = new QLabel(tr("%1 to %2; older runtimes may need a lower one")
                                     .arg(ml::kOnnxMinimumOpset)
                                     .arg(ml::kOnnxMaximumOpset),
                                 this);
    opsetHint->setEnabled(false); // drawn dimmed, as a hint
    auto *opsetRow = new QHBoxLayout;
    opsetRow->addWidget(m_opset);
    opsetRow->addWidget(opsetHint);
    opsetRow->addStretch(1);

    auto *form = new QFormLayout;
    form->addRow(tr("Output folder:"), folderRow);
    form->addRow(tr("Opset:"), opsetRow);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("onnxProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_step = new QLabel(this);
    m_step->setObjectName(QStringLiteral("onnxStep"));
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("onnxResult"));
    m_result->setWordWrap(true);
    m_result->setAlignment(Qt::AlignLeft | Qt::AlignTop); // under the progress, not floating
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_export = new QPushButton(tr("Export"), this);
    m_export->setObjectName(QStringLiteral("onnxExportButton"));
    m_export->setDefault(true);
    m_cancelButton = new QPushButton(tr("Cancel export"), this);
    m_cancelButton->setObjectName(QStringLiteral("onnxCancelButton"));
    m_close = new QPushButton(tr("Close"), this);
    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(m_export, QDialogButtonBox::ActionRole);
    buttons->addButton(m_cancelButton, QDialogButtonBox::ActionRole);
    buttons->addButton(m_close, QDialogButtonBox::RejectRole);
    connect(m_export, &QPushButton::clicked, this, &OnnxExportDialog::startExport);
    connect(m_cancelButton, &QPushButton::clicked, this, &OnnxExportDialog::cancelExport);
    connect(m_close, &QPushButton::clicked, this, &OnnxExportDialog::reject);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &OnnxExportDialog::finish);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_step);
    layout->addWidget(m_result, 1);
    layout->addWidget(buttons);
    setRunning(false);
    resize(560, 300);
}

OnnxExportDialog::~OnnxExportDialog()
{
    // The worker uses the registry and this dialog's progress label: stop it first.
    m_cancel->store(true);
    m_watcher.waitForFinished();
}

void OnnxExportDialog::setOutputDirectory(const QString &directory)
{
    m_directory->setText(directory);
}

void OnnxExportDialog::chooseDirectory()
{
    const QString chosen = QFileDialog::getExistingDirectory(
        this, tr("Export to folder"), QFileInfo(m_directory->text()).absolutePath());
    if (!chosen.isEmpty())
        m_directory->setText(chosen);
}

void OnnxExportDialog::startExport()
{
    if (m_watcher.isRunning())
        return;
    const QString directory = m_directory->text().trimmed();
    if (directory.isEmpty()) {
        m_result->setText(tr("Choose a folder to export to."));
        return;
    }
    m_cancel->store(false);
    m_result->clear();
    m_progress->setValue(0);
    setRunning(true);

    ml::OnnxExportOptions options;
    options.opset = m_opset->value();
    QPointer<OnnxExportDialog> self(this);
    options.progress = [self](double fraction, const std::string &step) {
        // From the worker: hand the figures to the GUI thread.
        QMetaObject::invokeMethod(
            self,
            [self, fraction, text = QString::fromStdString(step)] {
                if (!self)
                    return;
                self->m_progress->setValue(int(fraction * 1000));
                self->m_step->setText(text);
            },
            Qt::QueuedConnection);
    };
    auto cancel = m_cancel;
    options.cancelled = [cancel] { return cancel->load(); };
    registry::RegistryStore *registry = &m_registry;
    m_watcher.setFuture(
        QtConcurrent::run([registry, architectures = m_architectures, name = m_modelName,
                           version = m_version, directory, options] {
            auto outcome = std::make_shared<Outcome>();
            outcome->report = training::exportVersionToOnnx(*registry, architectures, name, version,
                                                            directory, options);
            return outcome;
        }));
}

void OnnxExportDialog::cancelExport()
{
    m_cancel->store(true);
    m_step->setText(tr("Cancelling…"));
}

void OnnxExportDialog::finish()
{
    setRunning(false);
    const std::shared_ptr<Outcome> outcome = m_watcher.result();
    if (!outcome->report) {
        m_progress->setValue(0);
        m_step->clear();
        const bool cancelled = m_cancel->load();
        m_result->setText(cancelled ? tr("Cancelled: nothing was written.")
                                    : tr("<b>Export failed.</b> %1<br>Nothing was written.")
                                          .arg(outcome->report.errorMessage().toHtmlEscaped()));
        qCWarning(lcUi).noquote() << "ONNX export of" << m_modelName << "version" << m_version
                                  << (cancelled ? QStringLiteral("cancelled")
                                                : outcome->report.errorMessage());
        return;
    }
    const ml::OnnxExportReport &report = *outcome->report;
    const QString directory = QFileInfo(QString::fromStdString(report.modelPath)).absolutePath();
    m_progress->setValue(1000);
    m_step->setText(tr("Done"));
    // One row per fact, the names in a column of their own, so the input's long description
    // and the command wrap beside them.
    const QString row =
        QStringLiteral("<tr><td style=\"padding-right: 8px\">%1</td><td>%2</td></tr>");
    const QString served =
        QStringLiteral("mlflow models serve -m %1 --env-manager local").arg(directory);
    m_result->setText(
        tr("<b>Exported</b> to %1").arg(directory.toHtmlEscaped())
        + QStringLiteral("<table cellspacing=\"0\" cellpadding=\"1\">")
        + row.arg(tr("Graph:"),
                  tr("opset %1 · %2 · %3 nodes · checker: <b>%4</b>")
                      .arg(report.opset)
                      .arg(QLocale().formattedDataSize(qint64(report.modelBytes)))
                      .arg(report.nodeCount)
                      .arg(QString::fromStdString(report.checkerVerdict).toHtmlEscaped()))
        + row.arg(tr("Input:"),
                  QStringLiteral("<tt>%1</tt> %2")
                      .arg(QString::fromStdString(report.input.name).toHtmlEscaped(),
                           QString::fromStdString(report.inputDescription).toHtmlEscaped()))
        + row.arg(tr("Output:"),
                  QStringLiteral("<tt>%1</tt> %2")
                      .arg(QString::fromStdString(report.output.name).toHtmlEscaped(),
                           tensorText(report.output.shape)))
        + row.arg(tr("Serve:"), QStringLiteral("<tt>%1</tt>").arg(served.toHtmlEscaped()))
        + QStringLiteral("</table>"));
    qCInfo(lcUi).noquote() << "exported" << m_modelName << "version" << m_version << "to"
                           << directory;
    Q_EMIT exported(directory);
}

void OnnxExportDialog::setRunning(bool running)
{
    m_export->setEnabled(!running);
    m_directory->setEnabled(!running);
    m_browse->setEnabled(!running);
    m_opset->setEnabled(!running);
    m_cancelButton->setEnabled(running);
}

void OnnxExportDialog::reject()
{
    cancelExport();
    QDialog::reject();
}

} // namespace millrace::ui
