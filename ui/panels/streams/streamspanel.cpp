#include "ui/panels/streams/streamspanel.h"

#include "core/base/job.h"
#include "core/plugins/pluginmanager.h"
#include "core/streams/profilestore.h"
#include "core/workspace/secretstore.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "plugins/api/messagecodec.h"
#include "ui/panels/streams/batchesview.h"
#include "ui/panels/streams/connectionbar.h"
#include "ui/panels/streams/grouplagmodel.h"
#include "ui/panels/streams/messagebrowserview.h"
#include "ui/panels/streams/producedialog.h"
#include "ui/panels/streams/profilesdialog.h"
#include "ui/panels/streams/simulatorcontrols.h"
#include "ui/panels/streams/streamspanellog.h"
#include "ui/panels/streams/throughputchart.h"
#include "ui/panels/streams/topicdialogs.h"
#include "ui/panels/streams/topicfiltermodel.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QAction>
#include <QCheckBox>
#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QSplitter>
#include <QTabWidget>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

struct ProfilesOutcome
{
    std::vector<streams::ConnectionProfile> profiles;
    QString activeId;
    QString error;
};

QLabel *heading(const QString &text)
{
    auto *label = new QLabel(text);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::ProfilesOutcome)

namespace millrace::ui {

StreamsPanel::StreamsPanel(QWidget *parent)
    : QWidget(parent), m_connection(new ConnectionBar), m_topics(new TopicTreeModel(this)),
      m_filteredTopics(new TopicFilterModel(this)), m_groups(new GroupLagModel(this))
{
    // Reads and writes of profiles, one at a time; its thread keeps its database connection.
    m_pool.setMaxThreadCount(1);
    m_pool.setExpiryTimeout(-1);
    m_filteredTopics->setSourceModel(m_topics);
    createActions();

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("streamsTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(createTrafficTab(), tr("Traffic"));
    m_browser = new MessageBrowserView;
    m_browser->setObjectName(QStringLiteral("messageBrowser"));
    m_tabs->addTab(m_browser, tr("Messages"));
    m_batchesView = new BatchesView;
    m_batchesView->setObjectName(QStringLiteral("batchesView"));
    m_tabs->addTab(m_batchesView, tr("Batches"));
    connect(m_batchesView, &BatchesView::showRunRequested, this, &StreamsPanel::showRunRequested);
    connect(m_batchesView, &BatchesView::drainFinished, this, &StreamsPanel::refreshNow);

    auto *split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("streamsSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(createTopicSide());
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({580, 470});

    auto *line = new QFrame;
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_connection);
    layout->addWidget(line);
    layout->addWidget(split, 1);

    connect(m_connection, &ConnectionBar::profileChosen, this, &StreamsPanel::chooseProfile);
    connect(m_connection, &ConnectionBar::manageProfilesRequested, this,
            &StreamsPanel::manageProfiles);
    m_connection->setControlsEnabled(false);
    m_connection->setUnavailable(tr("no workspace is open"));
    updateActions();
    updateTopicStatus();
}

StreamsPanel::~StreamsPanel()
{
    detachSession();
}

void StreamsPanel::createActions()
{
    m_createTopic = new QAction(tr("Create Topic…"), this);
    m_createTopic->setObjectName(QStringLiteral("createTopicAction"));
    m_createTopic->setToolTip(tr("Create a topic with its partitions, replication and retention"));
    m_deleteTopic = new QAction(tr("Delete Topic…"), this);
    m_deleteTopic->setObjectName(QStringLiteral("deleteTopicAction"));
    m_produce = new QAction(tr("Produce…"), this);
    m_produce->setObjectName(QStringLiteral("produceAction"));
    m_produce->setToolTip(tr("Send messages to the selected topic"));
    m_browse = new QAction(tr("Browse Messages"), this);
    m_browse->setObjectName(QStringLiteral("browseAction"));
    m_browse->setToolTip(tr("Show the selected topic's newest messages"));
    connect(m_browse, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_browser);
        m_browser->browse(currentTopic());
    });
    m_refresh = new QAction(tr("Refresh"), this);
    m_refresh->setObjectName(QStringLiteral("refreshAction"));
    m_refresh->setToolTip(tr("Read the cluster's topics and lag, and the batches, now"));
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_refresh->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_createTopic, &QAction::triggered, this, &StreamsPanel::createTopic);
    connect(m_deleteTopic, &QAction::triggered, this, &StreamsPanel::deleteTopic);
    connect(m_produce, &QAction::triggered, this, &StreamsPanel::produce);
    connect(m_refresh, &QAction::triggered, this, [this] {
        refreshNow();
        m_batchesView->reload();
    });
}

QWidget *StreamsPanel::createTopicSide()
{
    m_toolBar = new QToolBar;
    m_toolBar->setObjectName(QStringLiteral("topicToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_toolBar->addAction(m_createTopic);
    m_toolBar->addAction(m_deleteTopic);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_produce);
    m_toolBar->addAction(m_browse);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_refresh);

    m_topicFilter = new QLineEdit;
    m_topicFilter->setObjectName(QStringLiteral("topicFilter"));
    m_topicFilter->setPlaceholderText(tr("Filter topics"));
    m_topicFilter->setClearButtonEnabled(true);
    m_showInternal = new QCheckBox(tr("Internal"));
    m_showInternal->setObjectName(QStringLiteral("showInternalTopics"));
    m_showInternal->setToolTip(tr("Show the cluster's internal topics (__consumer_offsets, …)"));
    connect(m_topicFilter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filteredTopics->setNameFilter(text);
        updateTopicStatus();
    });
    connect(m_showInternal, &QCheckBox::toggled, this, [this](bool on) {
        m_filteredTopics->setShowInternal(on);
        updateTopicStatus();
    });
    auto *filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(0, 0, 0, 0);
    filterRow->addWidget(m_topicFilter, 1);
    filterRow->addWidget(m_showInternal);

    m_topicView = new QTreeView;
    m_topicView->setObjectName(QStringLiteral("topicTree"));
    m_topicView->setModel(m_filteredTopics);
    m_topicView->setSortingEnabled(true);
    m_topicView->sortByColumn(TopicTreeModel::NameColumn, Qt::AscendingOrder);
    m_topicView->setAlternatingRowColors(true);
    m_topicView->setUniformRowHeights(true);
    m_topicView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_topicView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_topicView->setContextMenuPolicy(Qt::CustomContextMenu);
    QHeaderView *header = m_topicView->header();
    header->setStretchLastSection(false);
    // Numbers get room for their usual values; the name takes the rest of the width, but never
    // less than a readable name: a narrow panel scrolls sideways instead.
    const QFontMetrics metrics = m_topicView->fontMetrics();
    const auto widthFor = [&metrics](const QString &sample) {
        return metrics.horizontalAdvance(sample) + 14;
    };
    const QString count = QLocale().toString(888888);
    const int widths[TopicTreeModel::ColumnCount] = {0,
                                                     widthFor(count),
                                                     widthFor(QStringLiteral("888/s")),
                                                     widthFor(tr("Leader")),
                                                     widthFor(QStringLiteral("1, 2, 3")),
                                                     widthFor(QStringLiteral("1, 2, 3")),
                                                     widthFor(QLocale().toString(88888)),
                                                     widthFor(QLocale().toString(88888))};
    for (int column = 0; column < TopicTreeModel::ColumnCount; ++column) {
        header->setSectionResizeMode(column, QHeaderView::Interactive);
        if (column != TopicTreeModel::NameColumn)
            m_topicView->setColumnWidth(column, widths[column]);
    }
    m_minimumNameWidth = widthFor(QStringLiteral("fashion-mnist"));
    m_topicView->viewport()->installEventFilter(this);
    m_topicView->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    connect(m_topicView->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
        updateActions();
        if (const QString topic = currentTopic(); !topic.isEmpty()) {
            m_simulator->setTopic(topic);
            m_batchesView->setTopic(topic);
        }
    });
    connect(m_topicView, &QTreeView::customContextMenuRequested, this, [this](const QPoint &at) {
        QMenu menu(this);
        menu.addAction(m_browse);
        menu.addAction(m_produce);
        menu.addSeparator();
        menu.addAction(m_createTopic);
        menu.addAction(m_deleteTopic);
        menu.addSeparator();
        menu.addAction(m_refresh);
        menu.exec(m_topicView->viewport()->mapToGlobal(at));
    });
    connect(m_filteredTopics, &QAbstractItemModel::rowsInserted, this,
            &StreamsPanel::updateTopicStatus);
    connect(m_filteredTopics, &QAbstractItemModel::rowsRemoved, this,
            &StreamsPanel::updateTopicStatus);

    m_topicStatus = new QLabel;
    m_topicStatus->setObjectName(QStringLiteral("topicStatus"));
    m_topicStatus->setForegroundRole(QPalette::PlaceholderText);

    auto *topics = new QWidget;
    auto *topicLayout = new QVBoxLayout(topics);
    topicLayout->setContentsMargins(8, 4, 4, 4);
    topicLayout->setSpacing(4);
    topicLayout->addWidget(m_toolBar);
    topicLayout->addLayout(filterRow);
    topicLayout->addWidget(m_topicView, 1);
    topicLayout->addWidget(m_topicStatus);

    m_groupView = new QTreeView;
    m_groupView->setObjectName(QStringLiteral("groupTree"));
    m_groupView->setModel(m_groups);
    m_groupView->setAlternatingRowColors(true);
    m_groupView->setUniformRowHeights(true);
    m_groupView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    QHeaderView *groupHeader = m_groupView->header();
    groupHeader->setStretchLastSection(false);
    groupHeader->setSectionResizeMode(QHeaderView::Interactive);
    for (int column = GroupLagModel::StateColumn; column < GroupLagModel::ColumnCount; ++column) {
        const QString title = m_groups->headerData(column, Qt::Horizontal).toString();
        m_groupView->setColumnWidth(column, std::max(widthFor(title) + 6, widthFor(count)));
    }
    m_groupView->viewport()->installEventFilter(this);
    // New groups show their partitions at once: lag per partition is what they are here for.
    connect(m_groups, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &parent, int first, int last) {
                if (parent.isValid())
                    return;
                for (int row = first; row <= last; ++row)
                    m_groupView->expand(m_groups->index(row, 0));
            });

    auto *groups = new QWidget;
    auto *groupLayout = new QVBoxLayout(groups);
    groupLayout->setContentsMargins(8, 4, 4, 8);
    groupLayout->setSpacing(4);
    groupLayout->addWidget(heading(tr("Consumer groups")));
    groupLayout->addWidget(m_groupView, 1);

    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("topicGroupSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(topics);
    split->addWidget(groups);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({420, 160});
    return split;
}

QWidget *StreamsPanel::createTrafficTab()
{
    m_chart = new ThroughputChart;
    m_chart->setObjectName(QStringLiteral("throughputChart"));
    m_simulator = new SimulatorControls;
    m_simulator->setObjectName(QStringLiteral("simulatorControls"));

    auto *tab = new QWidget;
    tab->setObjectName(QStringLiteral("trafficTab"));
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(12);
    layout->addWidget(m_chart, 1);
    layout->addWidget(m_simulator);
    return tab;
}

bool StreamsPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Resize) {
        if (watched == m_topicView->viewport())
            fitNameColumn(m_topicView, TopicTreeModel::NameColumn, TopicTreeModel::ColumnCount);
        else if (watched == m_groupView->viewport())
            fitNameColumn(m_groupView, GroupLagModel::NameColumn, GroupLagModel::ColumnCount);
    }
    return QWidget::eventFilter(watched, event);
}

void StreamsPanel::fitNameColumn(QTreeView *view, int nameColumn, int columnCount)
{
    int others = 0;
    for (int column = 0; column < columnCount; ++column) {
        if (column != nameColumn)
            others += view->columnWidth(column);
    }
    view->setColumnWidth(nameColumn,
                         std::max(m_minimumNameWidth, view->viewport()->width() - others));
}

void StreamsPanel::attachSession(Session &session)
{
    attach(session.streams(), session.streamProfiles(),
           SecretAccess{
               [](const QString &key) { return readSecret(key); },
               [](const QString &key, const QString &value) { return writeSecret(key, value); },
               [](const QString &key) { return deleteSecret(key); }});
    // The built-in JSON codec decodes what Drain Now reads.
    m_batchesView->attach(
        session.workspace().root(), &session.tracking(),
        session.plugins().find<plugins::MessageCodec>(QStringLiteral("json-codec")),
        session.streams() ? endpointSource() : EndpointSource());
}

void StreamsPanel::attach(streams::StreamsService *service, streams::ProfileStore &profiles,
                          SecretAccess secrets)
{
    detachSession();
    m_attached = true;
    m_service = service;
    m_profiles = &profiles;
    m_secrets = std::move(secrets);
    m_connection->setControlsEnabled(service != nullptr);
    m_simulator->setService(service);
    if (service)
        m_browser->setEndpointSource(endpointSource());
    if (!service) {
        m_connection->setUnavailable(tr("streams are turned off for this session"));
        updateActions();
        Q_EMIT statusChanged(statusSummary());
        return;
    }
    m_connection->setUnavailable(QString());
    // Queued: the service lives on its own thread.
    m_serviceConnections << connect(service, &streams::StreamsService::snapshotReady, this,
                                    &StreamsPanel::onSnapshot)
                         << connect(service, &streams::StreamsService::endpointChanged, this,
                                    &StreamsPanel::onEndpointChanged)
                         << connect(service, &streams::StreamsService::simulatorChanged,
                                    m_simulator, &SimulatorControls::setStatus);
    // What the service knew before this panel listened (a copy taken under its lock).
    const streams::StreamsSnapshot current = service->snapshot();
    if (current.takenAtMs > 0)
        onSnapshot(current);
    loadProfiles();
    updateActions();
    Q_EMIT statusChanged(statusSummary());
}

void StreamsPanel::detachSession()
{
    if (!m_attached)
        return;
    for (const QMetaObject::Connection &connection : std::as_const(m_serviceConnections))
        disconnect(connection);
    m_serviceConnections.clear();
    for (const QPointer<QDialog> &dialog : std::as_const(m_dialogs))
        delete dialog.data();
    m_dialogs.clear();
    delete m_profilesJob.data();
    // Profile jobs hold the store: they end before it may close.
    m_pool.waitForDone();
    m_attached = false;
    m_service = nullptr;
    m_profiles = nullptr;
    m_secrets = SecretAccess();
    m_simulator->setService(nullptr);
    m_browser->setEndpointSource({});
    m_batchesView->detach();
    m_snapshot = streams::StreamsSnapshot();
    m_haveSnapshot = false;
    m_watchedGroups.clear();
    m_topics->clear();
    m_groups->clear();
    m_chart->setHistory({});
    m_connection->setProfiles({}, QString());
    m_connection->setControlsEnabled(false);
    m_connection->setUnavailable(tr("no workspace is open"));
    updateActions();
    updateTopicStatus();
    Q_EMIT statusChanged(statusSummary());
}

QString StreamsPanel::statusSummary() const
{
    if (!m_attached)
        return tr("Broker: none");
    if (!m_service)
        return tr("Broker: off");
    if (!m_haveSnapshot)
        return tr("Broker: connecting");
    const QString name = m_snapshot.embedded ? tr("embedded (not durable)") : m_snapshot.label;
    switch (m_snapshot.state) {
    case streams::StreamsSnapshot::State::Connected:
        return tr("Broker: %1").arg(name);
    case streams::StreamsSnapshot::State::Connecting:
        return tr("Broker: connecting to %1").arg(name);
    case streams::StreamsSnapshot::State::Down:
        break;
    }
    return tr("Broker: %1 is down").arg(name.isEmpty() ? tr("cluster") : name);
}

EndpointSource StreamsPanel::endpointSource() const
{
    return [service = m_service]() -> std::optional<streams::ClusterEndpoint> {
        // endpoint() takes the service's lock for a copy; it never waits on the cluster.
        if (!service)
            return std::nullopt;
        return service->endpoint();
    };
}

void StreamsPanel::onSnapshot(const streams::StreamsSnapshot &snapshot)
{
    if (!m_connection->setSnapshot(snapshot))
        return;
    m_snapshot = snapshot;
    m_haveSnapshot = true;
    m_topics->setTopics(snapshot.metadata.topics, snapshot.topicRates);
    m_groups->setGroups(snapshot.groups, snapshot.lag);
    m_chart->setHistory(snapshot.history);
    m_simulator->setTopics(m_topics->topicNames());
    m_browser->setTopics(snapshot.metadata.topics);
    m_batchesView->setTopics(m_topics->topicNames());
    Q_EMIT statusChanged(statusSummary());

    if (!m_selectOnArrival.isEmpty() && m_topics->indexOfTopic(m_selectOnArrival).isValid()) {
        const QString name = m_selectOnArrival;
        m_selectOnArrival.clear();
        showTopic(name);
    }

    // Groups the cluster lists get their lag charted too.
    QStringList unwatched;
    for (const streams::ConsumerGroupInfo &group : snapshot.groups) {
        if (!m_watchedGroups.contains(group.id)) {
            m_watchedGroups.insert(group.id);
            unwatched << group.id;
        }
    }
    if (!unwatched.isEmpty() && m_service) {
        streams::StreamsService *service = m_service;
        QMetaObject::invokeMethod(
            service, [service, unwatched] { service->watchGroups(unwatched); },
            Qt::QueuedConnection);
    }
    updateActions();
    updateTopicStatus();
}

void StreamsPanel::onEndpointChanged(const QString &label, bool, const QString &)
{
    // Another cluster: what the last one had means nothing there.
    if (m_haveSnapshot && label != m_snapshot.label) {
        m_topics->clear();
        m_groups->clear();
        m_chart->setHistory({});
        m_watchedGroups.clear();
    }
}

void StreamsPanel::chooseProfile(const QString &id)
{
    streams::StreamsService *service = m_service;
    if (!service)
        return;
    qCInfo(lcStreamsPanel).noquote() << "switching the cluster to"
                                     << (id.isEmpty() ? QStringLiteral("the embedded broker") : id);
    QMetaObject::invokeMethod(
        service, [service, id] { service->activateProfile(id); }, Qt::QueuedConnection);
}

void StreamsPanel::loadProfiles()
{
    if (!m_profiles)
        return;
    delete m_profilesJob.data();
    streams::ProfileStore *store = m_profiles;
    Job *job = Job::start(
        QStringLiteral("list connection profiles"),
        [store](JobContext &) {
            ProfilesOutcome outcome;
            Result<std::vector<streams::ConnectionProfile>> listed = store->list();
            Result<QString> active = store->activeProfileId();
            if (!listed)
                outcome.error = listed.errorMessage();
            else if (!active)
                outcome.error = active.errorMessage();
            else {
                outcome.profiles = std::move(listed.value());
                outcome.activeId = active.value();
            }
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_profilesJob = job;
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        const auto outcome = value.value<ProfilesOutcome>();
        if (!outcome.error.isEmpty()) {
            qCWarning(lcStreamsPanel).noquote()
                << "cannot read the connection profiles:" << outcome.error;
            return;
        }
        m_connection->setProfiles(outcome.profiles, outcome.activeId);
    });
    connect(job, &Job::finished, this, [this, job] {
        if (m_profilesJob == job)
            m_profilesJob = nullptr;
        job->deleteLater();
    });
}

void StreamsPanel::manageProfiles()
{
    if (!m_profiles)
        return;
    if (auto *open = findChild<ProfilesDialog *>()) {
        open->raise();
        open->activateWindow();
        return;
    }
    auto *dialog = new ProfilesDialog(*m_profiles, m_secrets, &m_pool, this);
    connect(dialog, &ProfilesDialog::profilesChanged, this,
            [this](const QString &id, bool removed) {
                loadProfiles();
                // The cluster in use was edited or removed: the service takes up the change.
                if (id == m_connection->chosenProfileId())
                    chooseProfile(removed ? QString() : id);
            });
    openDialog(dialog);
}

void StreamsPanel::openDialog(QDialog *dialog)
{
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialogs.removeAll(nullptr);
    m_dialogs.append(dialog);
    dialog->open();
}

void StreamsPanel::createTopic()
{
    if (!m_service)
        return;
    const int brokers = std::max<int>(1, int(m_snapshot.metadata.brokers.size()));
    auto *dialog = new CreateTopicDialog(endpointSource(), brokers, m_snapshot.embedded, this);
    connect(dialog, &CreateTopicDialog::topicCreated, this, [this](const QString &name) {
        m_selectOnArrival = name;
        refreshNow();
    });
    openDialog(dialog);
}

void StreamsPanel::deleteTopic()
{
    const QString topic = currentTopic();
    if (!m_service || topic.isEmpty())
        return;
    const streams::TopicInfo *info = m_topics->topicAt(m_topics->indexOfTopic(topic));
    auto *dialog =
        new DeleteTopicDialog(endpointSource(), topic, info ? info->messageCount() : 0, this);
    connect(dialog, &DeleteTopicDialog::topicDeleted, this, &StreamsPanel::refreshNow);
    openDialog(dialog);
}

void StreamsPanel::produce()
{
    if (!m_service)
        return;
    auto *dialog =
        new ProduceDialog(endpointSource(), m_topics->topicNames(), currentTopic(), this);
    connect(dialog, &ProduceDialog::produced, this, &StreamsPanel::refreshNow);
    openDialog(dialog);
}

void StreamsPanel::refreshNow()
{
    if (streams::StreamsService *service = m_service) {
        QMetaObject::invokeMethod(
            service, [service] { service->refresh(); }, Qt::QueuedConnection);
    }
}

void StreamsPanel::showTopic(const QString &name)
{
    const QModelIndex source = m_topics->indexOfTopic(name);
    if (!source.isValid()) {
        m_selectOnArrival = name;
        return;
    }
    QModelIndex shown = m_filteredTopics->mapFromSource(source);
    if (!shown.isValid()) {
        m_topicFilter->clear();
        if (source.data(TopicTreeModel::InternalRole).toBool())
            m_showInternal->setChecked(true);
        shown = m_filteredTopics->mapFromSource(source);
    }
    m_topicView->selectionModel()->setCurrentIndex(shown, QItemSelectionModel::ClearAndSelect
                                                              | QItemSelectionModel::Rows);
    m_topicView->scrollTo(shown);
}

QString StreamsPanel::currentTopic() const
{
    const QModelIndex current = m_topicView->currentIndex();
    return current.isValid() ? current.data(TopicTreeModel::TopicRole).toString() : QString();
}

void StreamsPanel::updateActions()
{
    using State = streams::StreamsSnapshot::State;
    const bool connected = m_service && m_haveSnapshot && m_snapshot.state == State::Connected;
    const streams::ClusterCapabilities &can = m_snapshot.capabilities;
    const bool haveTopic = !currentTopic().isEmpty();

    m_createTopic->setEnabled(connected && can.createTopics);
    m_createTopic->setToolTip(can.createTopics || !connected
                                  ? tr("Create a topic with its partitions, replication and "
                                       "retention")
                                  : tr("This cluster does not let Millrace create topics"));
    m_deleteTopic->setEnabled(connected && can.deleteTopics && haveTopic);
    if (connected && !can.deleteTopics)
        m_deleteTopic->setToolTip(m_snapshot.embedded
                                      ? tr("The embedded broker cannot delete topics; its "
                                           "topics are gone when Millrace quits")
                                      : tr("This cluster does not let Millrace delete topics"));
    else
        m_deleteTopic->setToolTip(tr("Delete the selected topic and its messages, after typing "
                                     "its name"));
    m_produce->setEnabled(connected);
    m_browse->setEnabled(connected && haveTopic);
    m_refresh->setEnabled(m_service != nullptr);
    m_topicFilter->setEnabled(m_attached);
    m_showInternal->setEnabled(m_attached);
}

void StreamsPanel::updateTopicStatus()
{
    if (!m_haveSnapshot) {
        m_topicStatus->setText(m_attached && m_service ? tr("Reading the cluster…") : QString());
        return;
    }
    const int all = m_topics->rowCount();
    const int shown = m_filteredTopics->rowCount();
    qint64 messages = 0;
    for (int row = 0; row < all; ++row) {
        if (const streams::TopicInfo *topic = m_topics->topicAt(m_topics->index(row, 0)))
            messages += topic->internal ? 0 : topic->messageCount();
    }
    if (all == 0 && m_snapshot.state == streams::StreamsSnapshot::State::Connected) {
        m_topicStatus->setText(tr("No topics yet: Create Topic… makes one"));
        return;
    }
    QStringList parts;
    parts << (shown < all ? tr("%1 of %2 topics").arg(shown).arg(all)
                          : (all == 1 ? tr("1 topic") : tr("%1 topics").arg(all)));
    parts << tr("%1 messages").arg(formatCount(messages));
    parts << tr("updated %1")
                 .arg(
                     QLocale().toString(QDateTime::fromMSecsSinceEpoch(m_snapshot.takenAtMs).time(),
                                        QStringLiteral("HH:mm:ss")));
    m_topicStatus->setText(parts.join(QStringLiteral(" · ")));
}

} // namespace millrace::ui
