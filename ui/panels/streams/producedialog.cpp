#include "ui/panels/streams/producedialog.h"

#include "core/base/job.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/streams/streamspanellog.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace millrace::ui {

ProduceDialog::ProduceDialog(EndpointSource endpoint, const QStringList &topics,
                             const QString &topic, QWidget *parent)
    : QDialog(parent), m_endpoint(std::move(endpoint))
{
    setObjectName(QStringLiteral("produceDialog"));
    setWindowTitle(tr("Produce Messages"));

    m_topic = new QComboBox;
    m_topic->setObjectName(QStringLiteral("produceTopic"));
    m_topic->setEditable(true);
    m_topic->addItems(topics);
    m_topic->setCurrentText(topic);
    m_partition = new QSpinBox;
    m_partition->setObjectName(QStringLiteral("producePartition"));
    m_partition->setRange(-1, 100000);
    m_partition->setValue(-1);
    m_partition->setSpecialValueText(tr("automatic"));
    m_partition->setToolTip(tr("Automatic: by the key's hash, or spread when there is no key"));
    auto *topicRow = new QHBoxLayout;
    topicRow->addWidget(m_topic, 1);
    topicRow->addWidget(new QLabel(tr("Partition")));
    topicRow->addWidget(m_partition);

    m_key = new QLineEdit;
    m_key->setObjectName(QStringLiteral("produceKey"));
    m_key->setPlaceholderText(tr("none"));

    m_typed = new QRadioButton(tr("Typed"));
    m_typed->setObjectName(QStringLiteral("valueTyped"));
    m_typed->setChecked(true);
    m_fromFile = new QRadioButton(tr("From a file"));
    m_fromFile->setObjectName(QStringLiteral("valueFromFile"));
    auto *sourceGroup = new QButtonGroup(this);
    sourceGroup->addButton(m_typed);
    sourceGroup->addButton(m_fromFile);
    m_value = new QPlainTextEdit;
    m_value->setObjectName(QStringLiteral("produceValue"));
    m_value->setPlaceholderText(QStringLiteral("{\"id\": \"sample-1\", \"label\": 3}"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_value->setFont(mono);
    m_file = new QLineEdit;
    m_file->setObjectName(QStringLiteral("produceFile"));
    m_file->setPlaceholderText(tr("a file of messages"));
    m_browse = new QPushButton(tr("Browse…"));
    m_onePerLine = new QCheckBox(tr("One message per line"));
    m_onePerLine->setObjectName(QStringLiteral("onePerLine"));
    m_onePerLine->setChecked(true);
    m_onePerLine->setToolTip(tr("Unticked: the whole file is one message"));
    auto *sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_typed);
    sourceRow->addWidget(m_fromFile);
    sourceRow->addStretch(1);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(m_browse);
    fileRow->addWidget(m_onePerLine);
    auto *valueBox = new QVBoxLayout;
    valueBox->addLayout(sourceRow);
    valueBox->addWidget(m_value, 1);
    valueBox->addLayout(fileRow);

    m_headers = new QTableWidget(0, 2);
    m_headers->setObjectName(QStringLiteral("produceHeaders"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setMaximumHeight(110);
    auto *addHeader = new QToolButton;
    addHeader->setObjectName(QStringLiteral("addHeader"));
    addHeader->setText(QStringLiteral("+"));
    addHeader->setToolTip(tr("Add a header"));
    auto *removeHeader = new QToolButton;
    removeHeader->setText(QStringLiteral("−"));
    removeHeader->setToolTip(tr("Remove the selected header"));
    connect(addHeader, &QToolButton::clicked, this, [this] {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem);
        m_headers->setItem(row, 1, new QTableWidgetItem);
        m_headers->editItem(m_headers->item(row, 0));
    });
    connect(removeHeader, &QToolButton::clicked, this, [this] {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
    });
    auto *headerButtons = new QVBoxLayout;
    headerButtons->addWidget(addHeader);
    headerButtons->addWidget(removeHeader);
    headerButtons->addStretch(1);
    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_headers, 1);
    headerRow->addLayout(headerButtons);

    m_count = new QSpinBox;
    m_count->setObjectName(QStringLiteral("produceCount"));
    m_count->setRange(1, 10000000);
    m_count->setSuffix(tr(" ×"));
    m_count->setToolTip(tr("How many times the message (or every message of the file) is sent"));

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Topic"), topicRow);
    form->addRow(tr("Key"), m_key);
    form->addRow(tr("Value"), valueBox);
    form->addRow(tr("Headers"), headerRow);
    form->addRow(tr("Send"), m_count);

    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("produceProgress"));
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelProduce"));
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);

    m_report = new QLabel;
    m_report->setObjectName(QStringLiteral("deliveryReport"));
    m_report->setWordWrap(true);
    m_report->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_report->setContentsMargins(8, 4, 8, 4);
    m_report->setAutoFillBackground(true);
    m_report->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_send = buttons->addButton(tr("Send"), QDialogButtonBox::ActionRole);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addLayout(progressRow);
    layout->addWidget(m_report);
    layout->addWidget(buttons);

    connect(m_send, &QPushButton::clicked, this, &ProduceDialog::send);
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_cancelSend.cancel(); });
    connect(m_typed, &QRadioButton::toggled, this, &ProduceDialog::updateControls);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        auto *chooser = new QFileDialog(this, tr("Messages to Send"), m_file->text());
        chooser->setAttribute(Qt::WA_DeleteOnClose);
        chooser->setFileMode(QFileDialog::ExistingFile);
        connect(chooser, &QFileDialog::fileSelected, m_file, &QLineEdit::setText);
        chooser->open();
    });
    resize(560, 520);
    updateControls();
}

ProduceDialog::~ProduceDialog()
{
    // The send still running stops at its next message; its result is dropped with the Job.
    m_cancelSend.cancel();
}

bool ProduceDialog::isSending() const
{
    return m_job != nullptr;
}

ProduceRequest ProduceDialog::request() const
{
    ProduceRequest request;
    request.topic = m_topic->currentText().trimmed();
    request.key = m_key->text().toUtf8();
    if (m_fromFile->isChecked()) {
        request.valueFile = m_file->text().trimmed();
        request.onePerLine = m_onePerLine->isChecked();
    } else {
        request.values = {m_value->toPlainText().toUtf8()};
    }
    request.partition = m_partition->value();
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QTableWidgetItem *name = m_headers->item(row, 0);
        const QTableWidgetItem *value = m_headers->item(row, 1);
        if (name && !name->text().trimmed().isEmpty())
            request.headers.emplace_back(name->text().trimmed().toUtf8(),
                                         value ? value->text().toUtf8() : QByteArray());
    }
    request.count = m_count->value();
    return request;
}

void ProduceDialog::updateControls()
{
    const bool sending = m_job != nullptr;
    const bool fromFile = m_fromFile->isChecked();
    m_value->setEnabled(!sending && !fromFile);
    m_file->setEnabled(!sending && fromFile);
    m_browse->setEnabled(!sending && fromFile);
    m_onePerLine->setEnabled(!sending && fromFile);
    m_send->setEnabled(!sending);
    m_progress->setVisible(sending);
    m_cancel->setVisible(sending);
}

void ProduceDialog::send()
{
    if (m_job)
        return;
    const ProduceRequest produce = request();
    if (produce.topic.isEmpty()) {
        showError(tr("Choose a topic to send to."));
        return;
    }
    if (!produce.valueFile.isEmpty() || m_fromFile->isChecked()) {
        if (produce.valueFile.isEmpty()) {
            showError(tr("Choose the file to send."));
            return;
        }
    }
    const std::optional<streams::ClusterEndpoint> endpoint =
        m_endpoint ? m_endpoint() : std::nullopt;
    if (!endpoint) {
        showError(tr("Not connected to a cluster."));
        return;
    }
    // A token of its own rather than the Job's: a cancelled send still reports what it
    // delivered before it stopped, which a cancelled Job would drop.
    m_cancelSend = CancellationSource();
    Job *job = Job::start(
        QStringLiteral("produce messages"),
        [endpoint = *endpoint, produce,
         cancel = m_cancelSend.token()](JobContext &context) -> QVariant {
            Result<ProduceOutcome> outcome =
                produceMessages(endpoint, produce, cancel, [&](qint64 done, qint64 total) {
                    context.setProgress(total > 0 ? double(done) / double(total) : 0,
                                        QStringLiteral("%1 / %2").arg(done).arg(total));
                });
            if (!outcome)
                return QVariant(outcome.errorMessage());
            return QVariant::fromValue(outcome.value());
        },
        this);
    m_job = job;
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("Sending…"));
    m_report->hide();
    updateControls();
    connect(job, &Job::progressChanged, this, [this](double fraction, const QString &text) {
        m_progress->setValue(int(fraction * 1000));
        m_progress->setFormat(text);
    });
    auto deliver = [this, topic = produce.topic](const QVariant &value) {
        if (value.userType() == qMetaTypeId<ProduceOutcome>()) {
            const auto outcome = value.value<ProduceOutcome>();
            showOutcome(outcome);
            Q_EMIT produced(topic, outcome.summary.delivered);
        } else {
            showError(value.toString());
        }
    };
    connect(job, &Job::succeeded, this, deliver);
    connect(job, &Job::failed, this, &ProduceDialog::showError);
    connect(job, &Job::finished, this, [this, job] {
        m_job = nullptr;
        job->deleteLater();
        updateControls();
    });
}

void ProduceDialog::showOutcome(const ProduceOutcome &outcome)
{
    const streams::ProduceSummary &summary = outcome.summary;
    QStringList where;
    for (const auto &[partition, range] : outcome.offsets) {
        where << (range.first == range.second
                      ? tr("partition %1 at offset %2").arg(partition).arg(range.first)
                      : tr("partition %1 offsets %2–%3")
                            .arg(partition)
                            .arg(range.first)
                            .arg(range.second));
    }
    QString text = tr("<b>Delivered %1 of %2</b> in %3 ms")
                       .arg(formatCount(summary.delivered), formatCount(outcome.queued))
                       .arg(outcome.elapsedMs);
    if (!where.isEmpty())
        text += QStringLiteral(": ") + where.join(QStringLiteral(", ")).toHtmlEscaped();
    if (outcome.cancelled)
        text += tr(" — cancelled before the rest was sent");
    if (summary.failed > 0) {
        text += QStringLiteral("<br>")
                + tr("%1 failed: %2")
                      .arg(formatCount(summary.failed), summary.firstError.toHtmlEscaped());
    }
    m_report->setPalette(summary.failed > 0 ? errorPalette(palette()) : palette());
    m_report->setText(text);
    m_report->show();
    qCInfo(lcStreamsPanel).noquote() << "produced" << summary.delivered << "messages";
}

void ProduceDialog::showError(const QString &message)
{
    m_report->setPalette(errorPalette(palette()));
    m_report->setText(message.toHtmlEscaped());
    m_report->show();
}

} // namespace millrace::ui
