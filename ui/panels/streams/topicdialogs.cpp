#include "ui/panels/streams/topicdialogs.h"

#include "core/base/job.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/streams/streamspanellog.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

// Kafka's own rule for topic names: at most 249 of letters, digits, '.', '_' and '-'.
QString topicNameProblem(const QString &name)
{
    static const QRegularExpression legal(QStringLiteral("^[A-Za-z0-9._-]{1,249}$"));
    if (name.isEmpty())
        return QString();
    if (name == QLatin1String(".") || name == QLatin1String(".."))
        return CreateTopicDialog::tr("'.' and '..' are not topic names");
    if (!legal.match(name).hasMatch())
        return CreateTopicDialog::tr("A topic name has at most 249 letters, digits, '.', '_' "
                                     "and '-'");
    return QString();
}

QLabel *messageLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QStringLiteral("dialogMessage"));
    label->setWordWrap(true);
    label->setAutoFillBackground(true);
    label->setContentsMargins(8, 4, 8, 4);
    label->setPalette(errorPalette(parent->palette()));
    label->hide();
    return label;
}

} // namespace

CreateTopicDialog::CreateTopicDialog(EndpointSource endpoint, int brokerCount, bool embedded,
                                     QWidget *parent)
    : QDialog(parent), m_endpoint(std::move(endpoint))
{
    setObjectName(QStringLiteral("createTopicDialog"));
    setWindowTitle(tr("Create Topic"));

    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("topicName"));
    m_name->setPlaceholderText(tr("e.g. fashion-mnist"));
    m_partitions = new QSpinBox;
    m_partitions->setObjectName(QStringLiteral("partitionCount"));
    m_partitions->setRange(1, 1000);
    m_partitions->setValue(3);
    m_partitions->setToolTip(tr("Partitions let consumers share the topic's work; messages with "
                                "the same key stay in order within one"));
    m_replication = new QSpinBox;
    m_replication->setObjectName(QStringLiteral("replicationFactor"));
    m_replication->setRange(1, std::max(1, brokerCount));
    m_replication->setValue(std::min(3, std::max(1, brokerCount)));
    m_replication->setToolTip(
        tr("How many brokers keep a copy of each partition (at most the "
           "cluster's %1)")
            .arg(brokerCount == 1 ? tr("one broker") : tr("%1 brokers").arg(brokerCount)));
    m_retention = new QComboBox;
    m_retention->setObjectName(QStringLiteral("retention"));
    m_retention->addItem(tr("Cluster default"), QString());
    m_retention->addItem(tr("1 hour"), QStringLiteral("3600000"));
    m_retention->addItem(tr("1 day"), QStringLiteral("86400000"));
    m_retention->addItem(tr("7 days"), QStringLiteral("604800000"));
    m_retention->addItem(tr("30 days"), QStringLiteral("2592000000"));
    m_retention->addItem(tr("Forever"), QStringLiteral("-1"));
    m_retention->setEnabled(!embedded);
    if (embedded)
        m_retention->setToolTip(tr("The embedded broker keeps every message in memory until "
                                   "Millrace quits"));

    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Partitions"), m_partitions);
    form->addRow(tr("Replication factor"), m_replication);
    form->addRow(tr("Retention"), m_retention);

    m_message = messageLabel(this);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_create = buttons->addButton(tr("Create"), QDialogButtonBox::AcceptRole);
    m_create->setObjectName(QStringLiteral("createButton"));
    m_create->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &CreateTopicDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(buttons);

    connect(m_name, &QLineEdit::textChanged, this, &CreateTopicDialog::update);
    update();
}

CreateTopicDialog::~CreateTopicDialog() = default;

streams::TopicSpec CreateTopicDialog::spec() const
{
    streams::TopicSpec spec;
    spec.name = m_name->text().trimmed();
    spec.partitions = m_partitions->value();
    spec.replicationFactor = m_replication->value();
    const QString retention = m_retention->currentData().toString();
    if (m_retention->isEnabled() && !retention.isEmpty())
        spec.configs[QStringLiteral("retention.ms")] = retention;
    return spec;
}

void CreateTopicDialog::update()
{
    const QString name = m_name->text().trimmed();
    const QString problem = topicNameProblem(name);
    if (!m_job) {
        m_message->setText(problem);
        m_message->setVisible(!problem.isEmpty());
    }
    m_create->setEnabled(!m_job && !name.isEmpty() && problem.isEmpty());
}

void CreateTopicDialog::accept()
{
    if (m_job || !m_create->isEnabled())
        return;
    const std::optional<streams::ClusterEndpoint> endpoint =
        m_endpoint ? m_endpoint() : std::nullopt;
    if (!endpoint) {
        m_message->setText(tr("Not connected to a cluster."));
        m_message->show();
        return;
    }
    const streams::TopicSpec topic = spec();
    Job *job = Job::start(
        QStringLiteral("create topic"),
        [endpoint = *endpoint, topic](JobContext &) {
            return QVariant(createTopicOn(endpoint, topic).errorMessage());
        },
        this);
    m_job = job;
    m_message->hide();
    m_create->setText(tr("Creating…"));
    update();
    connect(job, &Job::succeeded, this, [this, name = topic.name](const QVariant &value) {
        const QString error = value.toString();
        if (!error.isEmpty()) {
            m_message->setText(error);
            m_message->show();
            return;
        }
        qCInfo(lcStreamsPanel).noquote() << "created topic" << name;
        Q_EMIT topicCreated(name);
        QDialog::accept();
    });
    connect(job, &Job::failed, this, [this](const QString &message) {
        m_message->setText(message);
        m_message->show();
    });
    connect(job, &Job::finished, this, [this, job] {
        m_job = nullptr;
        job->deleteLater();
        m_create->setText(tr("Create"));
        update();
    });
}

DeleteTopicDialog::DeleteTopicDialog(EndpointSource endpoint, const QString &topic,
                                     std::int64_t messages, QWidget *parent)
    : QDialog(parent), m_endpoint(std::move(endpoint)), m_topic(topic)
{
    setObjectName(QStringLiteral("deleteTopicDialog"));
    setWindowTitle(tr("Delete Topic"));

    auto *what = new QLabel(tr("<p>This deletes the topic <b>%1</b> and the %2 messages it "
                               "holds, for every consumer. It cannot be undone.</p>"
                               "<p>Type the topic's name to confirm:</p>")
                                .arg(topic.toHtmlEscaped(), formatCount(messages)));
    what->setWordWrap(true);
    m_confirmation = new QLineEdit;
    m_confirmation->setObjectName(QStringLiteral("deleteConfirmation"));
    m_confirmation->setPlaceholderText(topic);
    m_message = messageLabel(this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_delete = buttons->addButton(tr("Delete"), QDialogButtonBox::AcceptRole);
    m_delete->setObjectName(QStringLiteral("deleteButton"));
    m_delete->setEnabled(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &DeleteTopicDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_confirmation, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_delete->setEnabled(!m_job && text == m_topic); });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(what);
    layout->addWidget(m_confirmation);
    layout->addWidget(m_message);
    layout->addWidget(buttons);
    resize(420, sizeHint().height());
}

DeleteTopicDialog::~DeleteTopicDialog() = default;

void DeleteTopicDialog::accept()
{
    if (m_job || m_confirmation->text() != m_topic)
        return;
    const std::optional<streams::ClusterEndpoint> endpoint =
        m_endpoint ? m_endpoint() : std::nullopt;
    if (!endpoint) {
        m_message->setText(tr("Not connected to a cluster."));
        m_message->show();
        return;
    }
    Job *job = Job::start(
        QStringLiteral("delete topic"),
        [endpoint = *endpoint, topic = m_topic](JobContext &) {
            return QVariant(deleteTopicOn(endpoint, topic).errorMessage());
        },
        this);
    m_job = job;
    m_delete->setEnabled(false);
    m_delete->setText(tr("Deleting…"));
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        const QString error = value.toString();
        if (!error.isEmpty()) {
            m_message->setText(error);
            m_message->show();
            return;
        }
        qCInfo(lcStreamsPanel).noquote() << "deleted topic" << m_topic;
        Q_EMIT topicDeleted(m_topic);
        QDialog::accept();
    });
    connect(job, &Job::failed, this, [this](const QString &message) {
        m_message->setText(message);
        m_message->show();
    });
    connect(job, &Job::finished, this, [this, job] {
        m_job = nullptr;
        job->deleteLater();
        m_delete->setText(tr("Delete"));
        m_delete->setEnabled(m_confirmation->text() == m_topic);
    });
}

} // namespace millrace::ui
