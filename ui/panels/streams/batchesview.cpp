#include "ui/panels/streams/batchesview.h"

#include "core/base/job.h"
#include "core/streams/drainer.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/streams/batchlistmodel.h"
#include "ui/panels/streams/batchqueries.h"
#include "ui/panels/streams/streamspanellog.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

// Batches appear when a scheduled drain or another process writes them: a look every few
// seconds while the tab is in view is soon enough, and costs a folder listing.
constexpr int kPollIntervalMs = 5000;

struct BatchesOutcome
{
    std::vector<BatchEntry> batches;
    QString error;
};

struct LettersOutcome
{
    std::vector<DeadLetterEntry> letters;
    QString error;
};

struct DrainOutcome
{
    streams::DrainReport report;
    QString error;
};

QTableView *makeTable(const QString &objectName, QAbstractItemModel *model)
{
    auto *table = new QTableView;
    table->setObjectName(objectName);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setAlternatingRowColors(true);
    table->setShowGrid(false);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::BatchesOutcome)
Q_DECLARE_METATYPE(millrace::ui::LettersOutcome)
Q_DECLARE_METATYPE(millrace::ui::DrainOutcome)

namespace millrace::ui {

QString BatchesView::drainGroup()
{
    return QStringLiteral("millrace-drain");
}

BatchesView::BatchesView(QWidget *parent)
    : QWidget(parent), m_batches(new BatchListModel(this)), m_letters(new DeadLetterModel(this)),
      m_poll(new QTimer(this))
{
    // A drain and a read may overlap; the threads keep their database connections.
    m_pool.setMaxThreadCount(2);
    m_pool.setExpiryTimeout(-1);
    m_poll->setInterval(kPollIntervalMs);
    connect(m_poll, &QTimer::timeout, this, &BatchesView::reload);

    m_topic = new QComboBox;
    m_topic->setObjectName(QStringLiteral("drainTopic"));
    m_topic->setMinimumContentsLength(14);
    m_drain = new QPushButton(tr("Drain Now"));
    m_drain->setObjectName(QStringLiteral("drainNow"));
    m_drain->setToolTip(tr("Read the topic's new messages into a batch for training, as the "
                           "consumer group %1, then commit its offsets")
                            .arg(drainGroup()));
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("drainProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setMaximumHeight(m_topic->sizeHint().height());
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelDrain"));
    auto *drainRow = new QHBoxLayout;
    drainRow->addWidget(new QLabel(tr("Drain")));
    drainRow->addWidget(m_topic, 1);
    drainRow->addWidget(m_drain);
    drainRow->addWidget(m_progress, 1);
    drainRow->addWidget(m_cancel);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("batchStatus"));
    m_status->setWordWrap(true);
    m_status->setForegroundRole(QPalette::PlaceholderText);

    m_table = makeTable(QStringLiteral("batchTable"), m_batches);
    m_table->setMouseTracking(true);
    const QFontMetrics metrics = m_table->fontMetrics();
    m_table->setColumnWidth(BatchListModel::StateColumn,
                            metrics.horizontalAdvance(tr("incoming")) + 16);
    m_table->setColumnWidth(BatchListModel::CreatedColumn,
                            metrics.horizontalAdvance(QStringLiteral("Dec 31, 23:59")) + 16);
    m_table->setColumnWidth(BatchListModel::TopicColumn,
                            metrics.horizontalAdvance(QStringLiteral("fashion-mnist")) + 16);
    m_table->setColumnWidth(BatchListModel::RunColumn,
                            metrics.horizontalAdvance(QStringLiteral("update_model-01")) + 16);
    m_table->setColumnWidth(BatchListModel::SamplesColumn,
                            metrics.horizontalAdvance(tr("Samples")) + 20);
    m_table->setColumnWidth(BatchListModel::DeadLettersColumn,
                            metrics.horizontalAdvance(tr("Dead letters")) + 10);
    connect(m_table, &QTableView::clicked, this, &BatchesView::onBatchClicked);
    connect(m_table, &QTableView::entered, this, [this](const QModelIndex &index) {
        if (index.data(BatchListModel::LinkRole).toBool())
            m_table->viewport()->setCursor(Qt::PointingHandCursor);
        else
            m_table->viewport()->unsetCursor();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &BatchesView::loadDeadLetters);

    m_lettersHeading = new QLabel;
    m_lettersHeading->setObjectName(QStringLiteral("deadLetterHeading"));
    m_letterTable = makeTable(QStringLiteral("deadLetterTable"), m_letters);
    m_letterTable->setColumnWidth(DeadLetterModel::PartitionColumn,
                                  metrics.horizontalAdvance(tr("Partition")) + 12);
    m_letterTable->setColumnWidth(DeadLetterModel::OffsetColumn,
                                  metrics.horizontalAdvance(QStringLiteral("8888888")) + 16);
    m_letterTable->setColumnWidth(DeadLetterModel::ReasonColumn,
                                  metrics.horizontalAdvance(QLatin1Char('x')) * 36);

    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->setSpacing(4);
    topLayout->addLayout(drainRow);
    topLayout->addWidget(m_status);
    topLayout->addWidget(m_table, 1);
    auto *bottom = new QWidget;
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 4, 0, 0);
    bottomLayout->setSpacing(4);
    bottomLayout->addWidget(m_lettersHeading);
    bottomLayout->addWidget(m_letterTable, 1);

    auto *split = new QSplitter(Qt::Vertical);
    split->setChildrenCollapsible(false);
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(split);

    connect(m_drain, &QPushButton::clicked, this, &BatchesView::drainNow);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancelDrain.cancel();
        setStatus(tr("Stopping the drain; what was read still becomes a batch…"));
    });
    connect(m_topic, &QComboBox::currentTextChanged, this, &BatchesView::updateControls);
    loadDeadLetters();
    updateControls();
}

BatchesView::~BatchesView()
{
    detach();
}

void BatchesView::attach(const QString &workspaceRoot, const tracking::TrackingStore *tracking,
                         const plugins::MessageCodec *codec, EndpointSource endpoint)
{
    detach();
    m_root = workspaceRoot;
    m_tracking = tracking;
    m_codec = codec;
    m_endpoint = std::move(endpoint);
    m_attached = true;
    setStatus(QString());
    reload();
    if (isVisible())
        m_poll->start();
    updateControls();
}

void BatchesView::detach()
{
    m_poll->stop();
    m_cancelDrain.cancel();
    m_drainAfterLoad = false;
    m_reloadAgain = false;
    delete m_loadJob.data();
    delete m_drainJob.data();
    delete m_lettersJob.data();
    // The jobs hold the tracking store and the codec: they end before those may go.
    m_pool.waitForDone();
    m_attached = false;
    m_tracking = nullptr;
    m_codec = nullptr;
    m_endpoint = nullptr;
    m_root.clear();
    m_batches->setBatches({});
    m_letters->setLetters({});
    loadDeadLetters();
    updateControls();
}

void BatchesView::setTopics(const QStringList &topics)
{
    QStringList shown;
    for (int i = 0; i < m_topic->count(); ++i)
        shown << m_topic->itemText(i);
    if (shown == topics)
        return;
    const QString current = m_topic->currentText();
    const QSignalBlocker blocker(m_topic);
    m_topic->clear();
    m_topic->addItems(topics);
    m_topic->setCurrentIndex(std::max(0, m_topic->findText(current)));
    updateControls();
}

void BatchesView::setTopic(const QString &topic)
{
    if (const int row = m_topic->findText(topic); row >= 0 && !isDraining())
        m_topic->setCurrentIndex(row);
}

bool BatchesView::isDraining() const
{
    return m_drainJob != nullptr;
}

void BatchesView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_attached) {
        m_poll->start();
        reload();
    }
}

void BatchesView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_poll->stop();
}

void BatchesView::reload()
{
    if (!m_attached)
        return;
    // BatchStore::list() takes the store's write lock for a moment (to clear what crashed
    // writers left), and a drain that starts then fails to take it: the two never overlap here.
    if (m_loadJob || m_drainJob) {
        // The read running may have looked before the change this reload is for.
        m_reloadAgain = true;
        return;
    }
    m_reloadAgain = false;
    const QString root = m_root;
    const tracking::TrackingStore *tracking = m_tracking;
    Job *job = Job::start(
        QStringLiteral("list batches"),
        [root, tracking](JobContext &) {
            BatchesOutcome outcome;
            Result<std::vector<BatchEntry>> batches = loadBatches(root, tracking);
            if (batches)
                outcome.batches = std::move(batches.value());
            else
                outcome.error = batches.errorMessage();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_loadJob = job;
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        auto outcome = value.value<BatchesOutcome>();
        if (!outcome.error.isEmpty()) {
            setStatus(tr("Cannot list the batches: %1").arg(outcome.error), true);
            return;
        }
        const QModelIndex current = m_table->currentIndex();
        const QString selected =
            current.isValid() ? current.data(BatchListModel::BatchIdRole).toString() : QString();
        m_batches->setBatches(std::move(outcome.batches));
        // A reset forgets the selection: the batch chosen (or just drained) is chosen again.
        const QString wanted = !m_selectOnArrival.isEmpty() ? m_selectOnArrival : selected;
        const int row = m_batches->rowOfBatch(wanted);
        if (row >= 0 && m_table->currentIndex().row() != row) {
            m_selectOnArrival.clear();
            m_table->selectionModel()->setCurrentIndex(m_batches->index(row, 0),
                                                       QItemSelectionModel::ClearAndSelect
                                                           | QItemSelectionModel::Rows);
        }
        if (m_status->text().isEmpty() && m_batches->rowCount() == 0)
            setStatus(tr("No batches yet: Drain Now reads a topic's new messages into one."));
        updateControls();
    });
    connect(job, &Job::finished, this, [this, job] {
        if (m_loadJob == job)
            m_loadJob = nullptr;
        job->deleteLater();
        if (m_drainAfterLoad) {
            m_drainAfterLoad = false;
            drainNow();
        } else if (m_reloadAgain) {
            reload();
        }
    });
}

void BatchesView::drainNow()
{
    if (!m_attached || isDraining())
        return;
    if (m_loadJob) {
        // After the read of the list: see reload().
        m_drainAfterLoad = true;
        m_drain->setEnabled(false);
        return;
    }
    const QString topic = m_topic->currentText();
    if (topic.isEmpty())
        return;
    if (!m_codec) {
        setStatus(tr("No JSON codec plugin is loaded: cannot decode the messages."), true);
        return;
    }
    const std::optional<streams::ClusterEndpoint> endpoint =
        m_endpoint ? m_endpoint() : std::nullopt;
    if (!endpoint) {
        setStatus(tr("Not connected to a cluster."), true);
        return;
    }
    streams::DrainRequest request;
    request.endpoint = *endpoint;
    request.topic = topic;
    request.groupId = drainGroup();
    request.layout = streams::RecordLayout::fashionMnist();
    request.codec = m_codec;
    const QString root = m_root;
    // A token of its own: a cancelled drain still writes and reports what it read.
    m_cancelDrain = CancellationSource();
    Job *job = Job::start(
        QStringLiteral("drain topic"),
        [request, root, cancel = m_cancelDrain.token()](JobContext &context) {
            streams::BatchStore store = streams::BatchStore::forWorkspace(root);
            Result<streams::DrainReport> report = streams::drainToBatch(
                request, store, cancel, [&context](const streams::DrainProgress &progress) {
                    if (progress.remaining < 0) {
                        context.setProgress(0, QStringLiteral("joining the group"));
                        return;
                    }
                    const double total = double(progress.messagesRead + progress.remaining);
                    context.setProgress(total > 0 ? progress.messagesRead / total : 1,
                                        QStringLiteral("%1 read").arg(progress.messagesRead));
                });
            DrainOutcome outcome;
            if (report)
                outcome.report = std::move(report.value());
            else
                outcome.error = report.errorMessage();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_drainJob = job;
    m_progress->setValue(0);
    m_progress->setFormat(tr("Joining the consumer group…"));
    setStatus(tr("Draining %1…").arg(topic));
    updateControls();
    connect(job, &Job::progressChanged, this, [this](double fraction, const QString &text) {
        m_progress->setValue(int(fraction * 1000));
        m_progress->setFormat(text);
    });
    connect(job, &Job::succeeded, this, [this, topic](const QVariant &value) {
        const auto outcome = value.value<DrainOutcome>();
        if (!outcome.error.isEmpty()) {
            setStatus(tr("The drain failed: %1").arg(outcome.error), true);
            return;
        }
        const streams::DrainReport &report = outcome.report;
        QString text;
        if (report.batchId.isEmpty()) {
            text = tr("Nothing new on %1: no batch written.").arg(topic);
        } else {
            text = tr("Drained %1 samples and %2 dead letters from %3 into batch %4 in %5 s.")
                       .arg(formatCount(report.samples), formatCount(report.deadLetters), topic,
                            report.batchId)
                       .arg(double(report.elapsed.count()) / 1000.0, 0, 'f', 1);
            m_selectOnArrival = report.batchId;
        }
        if (!report.offsetsCommitted && !report.batchId.isEmpty())
            text += QLatin1Char(' ') + tr("Offsets not committed: %1").arg(report.commitError);
        for (const QString &warning : report.warnings)
            text += QLatin1Char(' ') + warning;
        setStatus(text, !report.offsetsCommitted && !report.batchId.isEmpty());
        qCInfo(lcStreamsPanel).noquote() << text;
    });
    connect(job, &Job::failed, this, [this](const QString &message) {
        setStatus(tr("The drain failed: %1").arg(message), true);
    });
    connect(job, &Job::finished, this, [this, job] {
        if (m_drainJob == job)
            m_drainJob = nullptr;
        job->deleteLater();
        updateControls();
        reload();
        Q_EMIT drainFinished();
    });
}

void BatchesView::onBatchClicked(const QModelIndex &index)
{
    if (!index.data(BatchListModel::LinkRole).toBool())
        return;
    Q_EMIT showRunRequested(index.data(BatchListModel::ExperimentIdRole).toString(),
                            index.data(BatchListModel::RunIdRole).toString());
}

void BatchesView::loadDeadLetters()
{
    delete m_lettersJob.data();
    const BatchEntry *batch = m_batches->batchAt(m_table->currentIndex().row());
    if (!batch) {
        m_letters->setLetters({});
        m_lettersHeading->setText(tr("<b>Dead letters</b> — choose a batch"));
        return;
    }
    const QString id = batch->manifest.id;
    if (batch->manifest.deadLetterCount == 0) {
        m_letters->setLetters({});
        m_lettersHeading->setText(tr("<b>Dead letters</b> — none in %1").arg(id));
        return;
    }
    const QString folder = batch->manifest.path;
    Job *job = Job::start(
        QStringLiteral("read dead letters"),
        [folder](JobContext &) {
            LettersOutcome outcome;
            Result<std::vector<DeadLetterEntry>> letters = ui::loadDeadLetters(folder);
            if (letters)
                outcome.letters = std::move(letters.value());
            else
                outcome.error = letters.errorMessage();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_lettersJob = job;
    const qint64 count = batch->manifest.deadLetterCount;
    connect(job, &Job::succeeded, this, [this, id, count](const QVariant &value) {
        auto outcome = value.value<LettersOutcome>();
        if (!outcome.error.isEmpty()) {
            m_letters->setLetters({});
            m_lettersHeading->setText(tr("<b>Dead letters</b> — cannot read them: %1")
                                          .arg(outcome.error.toHtmlEscaped()));
            return;
        }
        m_letters->setLetters(std::move(outcome.letters));
        m_lettersHeading->setText(tr("<b>Dead letters</b> — %1 in %2").arg(formatCount(count), id));
    });
    connect(job, &Job::finished, this, [this, job] {
        if (m_lettersJob == job)
            m_lettersJob = nullptr;
        job->deleteLater();
    });
}

void BatchesView::updateControls()
{
    const bool draining = isDraining();
    m_drain->setEnabled(m_attached && !draining && !m_topic->currentText().isEmpty());
    m_topic->setEnabled(m_attached && !draining);
    m_progress->setVisible(draining);
    m_cancel->setVisible(draining);
}

void BatchesView::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
    m_status->setPalette(error ? errorPalette(palette()) : palette());
    m_status->setForegroundRole(error ? QPalette::WindowText : QPalette::PlaceholderText);
}

} // namespace millrace::ui
