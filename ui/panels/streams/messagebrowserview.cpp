#include "ui/panels/streams/messagebrowserview.h"

#include "core/base/job.h"
#include "core/streams/messageexport.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/streams/messagetablemodel.h"
#include "ui/panels/streams/streamspanellog.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

enum StartChoice { StartNewest, StartOldest, StartOffset, StartTimestamp };

struct BrowseOutcome
{
    streams::BrowsePage page; ///< without its messages, which are in rows
    std::vector<MessageRow> rows;
    QString error;
};

QFont monospace()
{
    QFont font(QStringLiteral("monospace"));
    font.setStyleHint(QFont::Monospace);
    return font;
}

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::BrowseOutcome)

namespace millrace::ui {

MessageBrowserView::MessageBrowserView(QWidget *parent)
    : QWidget(parent), m_messages(new MessageTableModel(this))
{
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("messageTable"));
    m_table->setModel(m_messages);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setStretchLastSection(true);
    const QFontMetrics metrics = m_table->fontMetrics();
    m_table->setColumnWidth(MessageTableModel::PartitionColumn,
                            metrics.horizontalAdvance(tr("Partition")) + 12);
    m_table->setColumnWidth(MessageTableModel::OffsetColumn,
                            metrics.horizontalAdvance(QStringLiteral("88888888")) + 16);
    m_table->setColumnWidth(MessageTableModel::TimestampColumn,
                            metrics.horizontalAdvance(QStringLiteral("23:59:59.999")) + 16);
    m_table->setColumnWidth(MessageTableModel::KeyColumn,
                            metrics.horizontalAdvance(QStringLiteral("customer-00")) + 16);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MessageBrowserView::showDetail);

    m_previous = new QPushButton(tr("◀ Previous"));
    m_previous->setObjectName(QStringLiteral("previousPage"));
    m_next = new QPushButton(tr("Next ▶"));
    m_next->setObjectName(QStringLiteral("nextPage"));
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("browserStatus"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_busy = new QProgressBar;
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setMaximumWidth(80);
    m_busy->setMaximumHeight(metrics.height());
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelBrowse"));
    m_export = new QToolButton;
    m_export->setObjectName(QStringLiteral("exportMessages"));
    m_export->setText(tr("Export"));
    m_export->setToolTip(tr("Save the messages of this page as JSON or CSV"));
    m_export->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(m_export);
    QAction *asJson = exportMenu->addAction(tr("JSON…"));
    asJson->setObjectName(QStringLiteral("exportJson"));
    QAction *asCsv = exportMenu->addAction(tr("CSV…"));
    asCsv->setObjectName(QStringLiteral("exportCsv"));
    m_export->setMenu(exportMenu);
    connect(asJson, &QAction::triggered, this, [this] { exportPage(streams::ExportFormat::Json); });
    connect(asCsv, &QAction::triggered, this, [this] { exportPage(streams::ExportFormat::Csv); });

    auto *pager = new QHBoxLayout;
    pager->setContentsMargins(0, 0, 0, 0);
    pager->addWidget(m_previous);
    pager->addWidget(m_next);
    pager->addWidget(m_status, 1);
    pager->addWidget(m_busy);
    pager->addWidget(m_cancel);
    pager->addWidget(m_export);

    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->setSpacing(4);
    topLayout->addWidget(createControls());
    topLayout->addWidget(m_table, 1);
    topLayout->addLayout(pager);

    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("browserSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(top);
    split->addWidget(createDetail());
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(split);

    connect(m_previous, &QPushButton::clicked, this, [this] { read(Direction::Previous); });
    connect(m_next, &QPushButton::clicked, this, [this] { read(Direction::Next); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_job)
            m_job->cancel();
    });
    updateControls();
}

MessageBrowserView::~MessageBrowserView() = default;

QWidget *MessageBrowserView::createControls()
{
    m_topic = new QComboBox;
    m_topic->setObjectName(QStringLiteral("browseTopic"));
    m_topic->setMinimumContentsLength(14);
    m_partition = new QComboBox;
    m_partition->setObjectName(QStringLiteral("browsePartition"));
    m_partition->addItem(tr("All partitions"), -1);
    m_newestFirst = new QCheckBox(tr("Newest first"));
    m_newestFirst->setObjectName(QStringLiteral("newestFirst"));
    m_newestFirst->setChecked(true);

    m_start = new QComboBox;
    m_start->setObjectName(QStringLiteral("browseStart"));
    m_start->addItem(tr("Newest"), StartNewest);
    m_start->addItem(tr("Oldest"), StartOldest);
    m_start->addItem(tr("Offset"), StartOffset);
    m_start->addItem(tr("Time"), StartTimestamp);
    m_offset = new QSpinBox;
    m_offset->setObjectName(QStringLiteral("browseOffset"));
    m_offset->setRange(0, std::numeric_limits<int>::max());
    m_offset->setToolTip(tr("Offset start: needs one partition"));
    m_time = new QDateTimeEdit(QDateTime::currentDateTime().addSecs(-600));
    m_time->setObjectName(QStringLiteral("browseTime"));
    m_time->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    m_time->setCalendarPopup(true);
    m_pageSize = new QSpinBox;
    m_pageSize->setObjectName(QStringLiteral("pageSize"));
    m_pageSize->setRange(1, 1000);
    m_pageSize->setValue(50);
    m_pageSize->setSuffix(tr(" / page"));

    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("messageFilter"));
    m_filter->setPlaceholderText(tr("Text, or a JSON predicate such as label == 3"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(
        tr("Plain text finds messages whose key or value contains it (\"quoted\" for exact "
           "text); path operator value tests the JSON value: label == 3, score >= 0.5, "
           "meta.source == \"sim\", name contains \"shirt\""));
    m_search = new QPushButton(tr("Search"));
    m_search->setObjectName(QStringLiteral("searchMessages"));
    m_search->setDefault(true);
    m_filterError = new QLabel;
    m_filterError->setObjectName(QStringLiteral("filterError"));
    m_filterError->setWordWrap(true);
    m_filterError->setPalette(errorPalette(palette()));
    m_filterError->setForegroundRole(QPalette::WindowText);
    m_filterError->hide();

    auto *grid = new QGridLayout;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(4);
    grid->addWidget(new QLabel(tr("Topic")), 0, 0);
    grid->addWidget(m_topic, 0, 1, 1, 2);
    grid->addWidget(m_partition, 0, 3);
    grid->addWidget(m_newestFirst, 0, 4);
    grid->addWidget(new QLabel(tr("From")), 1, 0);
    grid->addWidget(m_start, 1, 1);
    grid->addWidget(m_offset, 1, 2);
    grid->addWidget(m_time, 1, 2);
    grid->addWidget(m_pageSize, 1, 3);
    grid->addWidget(new QLabel(tr("Filter")), 2, 0);
    grid->addWidget(m_filter, 2, 1, 1, 3);
    grid->addWidget(m_search, 2, 4);
    grid->addWidget(m_filterError, 3, 1, 1, 4);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(2, 1);

    connect(m_search, &QPushButton::clicked, this, &MessageBrowserView::search);
    connect(m_filter, &QLineEdit::returnPressed, this, &MessageBrowserView::search);
    connect(m_start, &QComboBox::currentIndexChanged, this, &MessageBrowserView::updateControls);
    connect(m_topic, &QComboBox::currentIndexChanged, this, &MessageBrowserView::fillPartitions);

    auto *box = new QWidget;
    box->setLayout(grid);
    return box;
}

QWidget *MessageBrowserView::createDetail()
{
    m_detailHeader = new QLabel;
    m_detailHeader->setObjectName(QStringLiteral("messageDetailHeader"));
    m_detailHeader->setWordWrap(true);
    m_detailHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_encoding = new QComboBox;
    m_encoding->setObjectName(QStringLiteral("payloadEncoding"));
    m_encoding->addItem(tr("Auto"), int(streams::PayloadEncoding::Auto));
    m_encoding->addItem(tr("JSON"), int(streams::PayloadEncoding::Json));
    m_encoding->addItem(tr("Text"), int(streams::PayloadEncoding::Text));
    m_encoding->addItem(tr("Hex"), int(streams::PayloadEncoding::Hex));
    m_encoding->setToolTip(tr("How the value is shown"));
    connect(m_encoding, &QComboBox::currentIndexChanged, this, &MessageBrowserView::showDetail);
    m_detail = new QPlainTextEdit;
    m_detail->setObjectName(QStringLiteral("messageDetail"));
    m_detail->setReadOnly(true);
    m_detail->setFont(monospace());
    m_detail->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_detail->setPlaceholderText(tr("Choose a message to see it whole"));

    auto *head = new QHBoxLayout;
    head->setContentsMargins(0, 0, 0, 0);
    head->addWidget(m_detailHeader, 1);
    head->addWidget(m_encoding, 0, Qt::AlignTop);
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(head);
    layout->addWidget(m_detail, 1);
    return box;
}

void MessageBrowserView::fillPartitions()
{
    const QString name = m_topic->currentText();
    const QSignalBlocker blocker(m_partition);
    const int chosen = m_partition->currentData().toInt();
    while (m_partition->count() > 1)
        m_partition->removeItem(1);
    for (const streams::TopicInfo &topic : m_topicInfo) {
        if (topic.name != name)
            continue;
        for (const streams::PartitionInfo &partition : topic.partitions)
            m_partition->addItem(tr("Partition %1").arg(partition.id), partition.id);
    }
    m_partition->setCurrentIndex(std::max(0, m_partition->findData(chosen)));
    updateControls();
}

void MessageBrowserView::setEndpointSource(EndpointSource source)
{
    m_endpoint = std::move(source);
    if (!m_endpoint) {
        delete m_job.data();
        delete m_exportJob.data();
        m_messages->setRows({});
        m_havePage = false;
        m_pageNumber = 0;
        m_topicInfo.clear();
        m_topic->clear();
        setStatus(QString());
        showDetail();
    }
    updateControls();
}

void MessageBrowserView::setTopics(const std::vector<streams::TopicInfo> &topics)
{
    QStringList names;
    for (const streams::TopicInfo &topic : topics) {
        if (!topic.internal)
            names << topic.name;
    }
    names.sort();
    QStringList shown;
    for (int i = 0; i < m_topic->count(); ++i)
        shown << m_topic->itemText(i);
    const bool partitionsChanged = [&] {
        if (topics.size() != m_topicInfo.size())
            return true;
        for (std::size_t i = 0; i < topics.size(); ++i) {
            if (topics[i].name != m_topicInfo[i].name
                || topics[i].partitions.size() != m_topicInfo[i].partitions.size())
                return true;
        }
        return false;
    }();
    m_topicInfo = topics;
    if (shown == names && !partitionsChanged)
        return;
    const QString current = m_topic->currentText();
    {
        const QSignalBlocker blocker(m_topic);
        m_topic->clear();
        m_topic->addItems(names);
        m_topic->setCurrentIndex(std::max(0, m_topic->findText(current)));
    }
    fillPartitions();
}

void MessageBrowserView::browse(const QString &topic)
{
    const int row = m_topic->findText(topic);
    if (row < 0)
        return;
    m_topic->setCurrentIndex(row);
    search();
}

bool MessageBrowserView::isReading() const
{
    return m_job != nullptr;
}

std::optional<streams::BrowseQuery> MessageBrowserView::queryFromControls()
{
    Result<streams::MessageFilter> filter = streams::MessageFilter::parse(m_filter->text());
    if (!filter) {
        m_filterError->setText(filter.errorMessage());
        m_filterError->show();
        return std::nullopt;
    }
    m_filterError->hide();
    streams::BrowseQuery query;
    query.topic = m_topic->currentText();
    if (const int partition = m_partition->currentData().toInt(); partition >= 0)
        query.partition = partition;
    query.order = m_newestFirst->isChecked() ? streams::BrowseOrder::NewestFirst
                                             : streams::BrowseOrder::OldestFirst;
    switch (m_start->currentData().toInt()) {
    case StartOldest:
        query.start = streams::BrowseStart::Oldest;
        break;
    case StartOffset:
        query.start = streams::BrowseStart::Offset;
        query.startOffset = m_offset->value();
        break;
    case StartTimestamp:
        query.start = streams::BrowseStart::Timestamp;
        query.startTimestampMs = m_time->dateTime().toMSecsSinceEpoch();
        break;
    default:
        query.start = streams::BrowseStart::Newest;
        break;
    }
    query.pageSize = m_pageSize->value();
    query.filter = filter.value();
    return query;
}

void MessageBrowserView::search()
{
    if (m_topic->currentText().isEmpty())
        return;
    const std::optional<streams::BrowseQuery> query = queryFromControls();
    if (!query)
        return;
    m_query = *query;
    read(Direction::First);
}

void MessageBrowserView::read(Direction direction)
{
    if (direction != Direction::First) {
        if (!m_havePage)
            return;
        // A changed filter or page size applies from the next page on; the topic and order
        // stay those of the pages read so far.
        if (const std::optional<streams::BrowseQuery> query = queryFromControls()) {
            m_query.filter = query->filter;
            m_query.pageSize = query->pageSize;
        } else {
            return;
        }
    }
    const std::optional<streams::ClusterEndpoint> endpoint =
        m_endpoint ? m_endpoint() : std::nullopt;
    if (!endpoint) {
        setStatus(tr("Not connected to a cluster."), true);
        return;
    }
    // A newer read supersedes the one running: its page is dropped with its Job.
    delete m_job.data();
    const streams::BrowseQuery query = m_query;
    const streams::BrowseCursor cursor =
        direction == Direction::Next ? m_page.next : m_page.previous;
    Job *job = Job::start(
        QStringLiteral("browse messages"),
        [endpoint = *endpoint, query, cursor, direction](JobContext &context) {
            BrowseOutcome outcome;
            Result<std::unique_ptr<streams::MessageBrowser>> browser =
                streams::MessageBrowser::create(endpoint);
            if (!browser) {
                outcome.error = browser.errorMessage();
                return QVariant::fromValue(outcome);
            }
            const CancellationToken token = context.token();
            Result<streams::BrowsePage> page =
                direction == Direction::First ? browser.value()->firstPage(query, token)
                : direction == Direction::Next
                    ? browser.value()->nextPage(query, cursor, token)
                    : browser.value()->previousPage(query, cursor, token);
            if (!page) {
                outcome.error = page.errorMessage();
                return QVariant::fromValue(outcome);
            }
            outcome.rows = previewRows(std::move(page->messages));
            page->messages.clear();
            outcome.page = std::move(page.value());
            return QVariant::fromValue(outcome);
        },
        this);
    m_job = job;
    setStatus(direction == Direction::First ? tr("Searching %1…").arg(query.topic)
                                            : tr("Reading the page…"));
    updateControls();
    connect(job, &Job::succeeded, this, [this, direction](const QVariant &value) {
        auto outcome = value.value<BrowseOutcome>();
        if (!outcome.error.isEmpty()) {
            setStatus(outcome.error, true);
            return;
        }
        m_messages->setRows(std::move(outcome.rows));
        showPage(outcome.page, direction);
    });
    connect(job, &Job::cancelled, this, [this] { setStatus(tr("Search cancelled.")); });
    connect(job, &Job::failed, this, [this](const QString &message) { setStatus(message, true); });
    connect(job, &Job::finished, this, [this, job] {
        if (m_job == job)
            m_job = nullptr;
        job->deleteLater();
        updateControls();
    });
}

void MessageBrowserView::showPage(const streams::BrowsePage &page, Direction direction)
{
    m_page = page;
    m_havePage = true;
    m_pageNumber = direction == Direction::First  ? 1
                   : direction == Direction::Next ? m_pageNumber + 1
                                                  : std::max(1, m_pageNumber - 1);
    const int count = m_messages->rowCount();
    QStringList parts;
    parts << tr("Page %1").arg(m_pageNumber);
    parts << (count == 1 ? tr("1 message") : tr("%1 messages").arg(count));
    parts << tr("scanned %1 messages").arg(formatCount(page.scanned));
    if (page.scanLimitReached)
        parts << tr("stopped at the scan limit; Next scans on");
    setStatus(parts.join(QStringLiteral(" · ")));
    if (count > 0)
        m_table->selectionModel()->setCurrentIndex(m_messages->index(0, 0),
                                                   QItemSelectionModel::ClearAndSelect
                                                       | QItemSelectionModel::Rows);
    else
        showDetail();
    m_table->scrollToTop();
    qCDebug(lcStreamsPanel) << "browsed" << count << "messages of" << m_query.topic << "scanning"
                            << page.scanned;
}

void MessageBrowserView::showDetail()
{
    const streams::BrowsedMessage *message = m_messages->messageAt(m_table->currentIndex().row());
    if (!message) {
        m_detailHeader->clear();
        m_detail->clear();
        return;
    }
    QStringList facts;
    facts << tr("<b>partition %1 · offset %2</b>").arg(message->partition).arg(message->offset);
    if (message->timestampMs >= 0)
        facts << QDateTime::fromMSecsSinceEpoch(message->timestampMs)
                     .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    facts << tr("key: %1").arg(
        message->key.isNull() ? tr("none")
                              : streams::renderPayload(message->key, streams::PayloadEncoding::Auto,
                                                       streams::JsonLayout::Compact)
                                    .left(120)
                                    .toHtmlEscaped());
    facts << tr("%1 bytes").arg(formatCount(message->value.size()));
    QStringList headers;
    for (const auto &[name, value] : message->headers)
        headers << QStringLiteral("%1=%2").arg(QString::fromUtf8(name), QString::fromUtf8(value));
    if (!headers.isEmpty())
        facts << tr("headers: %1").arg(headers.join(QStringLiteral(", ")).toHtmlEscaped());
    m_detailHeader->setText(facts.join(QStringLiteral(" · ")));
    if (message->value.isNull()) {
        m_detail->setPlainText(tr("(no value: a tombstone)"));
        return;
    }
    m_detail->setPlainText(streams::renderPayload(
        message->value, streams::PayloadEncoding(m_encoding->currentData().toInt()),
        streams::JsonLayout::Indented));
}

void MessageBrowserView::exportPage(streams::ExportFormat format)
{
    if (m_messages->rowCount() == 0)
        return;
    const bool json = format == streams::ExportFormat::Json;
    const QString suggested = QStringLiteral("%1-page%2.%3")
                                  .arg(m_query.topic)
                                  .arg(m_pageNumber)
                                  .arg(json ? QStringLiteral("json") : QStringLiteral("csv"));
    auto *chooser =
        new QFileDialog(this, json ? tr("Export Messages as JSON") : tr("Export Messages as CSV"),
                        suggested, json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    chooser->setObjectName(QStringLiteral("exportFileDialog"));
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setAcceptMode(QFileDialog::AcceptSave);
    chooser->setDefaultSuffix(json ? QStringLiteral("json") : QStringLiteral("csv"));
    connect(chooser, &QFileDialog::fileSelected, this, [this, format](const QString &path) {
        std::vector<streams::BrowsedMessage> messages = m_messages->messages();
        const int count = int(messages.size());
        delete m_exportJob.data();
        Job *job = Job::start(
            QStringLiteral("export messages"),
            [messages = std::move(messages), path, format](JobContext &) {
                return QVariant(streams::exportMessages(messages, path, format).errorMessage());
            },
            this);
        m_exportJob = job;
        connect(job, &Job::succeeded, this, [this, count, path](const QVariant &value) {
            if (value.toString().isEmpty())
                setStatus(tr("Exported %1 messages to %2").arg(count).arg(path));
            else
                setStatus(value.toString(), true);
        });
        connect(job, &Job::finished, this, [this, job] {
            if (m_exportJob == job)
                m_exportJob = nullptr;
            job->deleteLater();
        });
    });
    chooser->open();
}

void MessageBrowserView::updateControls()
{
    const bool connected = bool(m_endpoint);
    const bool reading = m_job != nullptr;
    const int start = m_start->currentData().toInt();
    m_offset->setVisible(start == StartOffset);
    m_time->setVisible(start == StartTimestamp);
    // An offset means something in one partition only.
    if (start == StartOffset && m_partition->currentIndex() == 0 && m_partition->count() > 1)
        m_partition->setCurrentIndex(1);
    m_search->setEnabled(connected && !m_topic->currentText().isEmpty());
    m_previous->setEnabled(connected && !reading && m_havePage && !m_page.atStart);
    m_next->setEnabled(connected && !reading && m_havePage && !m_page.atEnd);
    m_busy->setVisible(reading);
    m_cancel->setVisible(reading);
    m_export->setEnabled(m_messages->rowCount() > 0);
}

void MessageBrowserView::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setPalette(error ? errorPalette(palette()) : palette());
    m_status->setForegroundRole(error ? QPalette::WindowText : QPalette::PlaceholderText);
}

} // namespace millrace::ui
