// The Streams panel as a user meets it, on a real workspace whose streams service runs the
// embedded broker: a topic created through the dialog shows in the tree with its partitions,
// messages sent through the produce dialog (typed and from a file) move its counts, the stream
// simulator starts and stops, a profile pointing at a closed port (and a stopped broker) shows
// the red Down banner until the cluster is back, and the README screenshot. Real widgets are
// clicked under the offscreen platform; every wait is for something a user would see.

#include "guitestsupport.h"

#include "core/base/logbus.h"
#include "core/streams/batchstore.h"
#include "core/streams/clusterclient.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/producer.h"
#include "core/streams/profilestore.h"
#include "core/streams/streamsservice.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/streams/batchlistmodel.h"
#include "ui/panels/streams/grouplagmodel.h"
#include "ui/panels/streams/messagetablemodel.h"
#include "ui/panels/streams/producedialog.h"
#include "ui/panels/streams/profilesdialog.h"
#include "ui/panels/streams/streamspanel.h"
#include "ui/panels/streams/throughputchart.h"
#include "ui/panels/streams/topicdialogs.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScopeGuard>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>

#include <chrono>
#include <memory>

using millrace::ui::MainWindow;
using millrace::ui::ProduceDialog;
using millrace::ui::ProfilesDialog;
using millrace::ui::StreamsPanel;
using millrace::ui::TopicTreeModel;
using namespace millrace;
using namespace millrace::testing;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

/// The Streams entry's row in the sidebar.
constexpr int kStreamsRow = 0;

/// A workspace opened as the app opens it, with the built-in plugins (the JSON codec drains
/// with) and its services started: the streams service runs the embedded broker.
struct StreamsWorkspace
{
    QTemporaryDir dir;
    std::unique_ptr<Session> session;
    streams::StreamsService *service = nullptr;

    bool open()
    {
        if (!dir.isValid())
            return false;
        SessionOptions options;
        options.trackingServer = false;
        options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)};
        auto opened = Session::open(dir.filePath(u"workspace"_s), options);
        if (!opened) {
            qWarning().noquote() << opened.errorMessage();
            return false;
        }
        session = std::move(opened).value();
        session->startServices();
        service = session->streams();
        return service != nullptr;
    }
    /// The embedded broker behind the service, once it runs.
    std::shared_ptr<streams::EmbeddedBroker> broker() const
    {
        const std::optional<streams::ClusterEndpoint> endpoint = service->endpoint();
        return endpoint ? endpoint->embedded : nullptr;
    }
    /// Creates `name` directly on the cluster (set-up, not what a test looks at).
    bool createTopic(const QString &name, int partitions)
    {
        const std::optional<streams::ClusterEndpoint> endpoint = service->endpoint();
        if (!endpoint)
            return false;
        auto client = streams::ClusterClient::create(*endpoint);
        return client
               && client.value()->createTopic(streams::TopicSpec{name, partitions, 1, {}}, 5s);
    }
};

/// Shows `window` with `session` attached and opens the Streams panel by clicking it in the
/// sidebar; returns the panel.
StreamsPanel *showStreams(MainWindow &window, Session &session, QSize size = {1200, 780})
{
    showWindow(window, size);
    window.attachSession(session);
    auto *list = child<QListWidget>(window, "panelList");
    if (!list || list->item(kStreamsRow)->text() != u"Streams"_s)
        return nullptr;
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(kStreamsRow)).center());
    auto *stack = child<QStackedWidget>(window, "panelStack");
    return qobject_cast<StreamsPanel *>(stack->currentWidget());
}

QTreeView *topicTree(const QWidget &panel)
{
    return child<QTreeView>(panel, "topicTree");
}

/// The row of topic `name` in the tree, or an invalid index.
QModelIndex topicRow(const QTreeView *tree, const QString &name)
{
    const QAbstractItemModel *model = tree->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, 0);
        if (index.data(TopicTreeModel::TopicRole).toString() == name)
            return index;
    }
    return {};
}

/// What the tree shows for topic `name` in `column`.
QString topicCell(const QTreeView *tree, const QString &name, int column)
{
    const QModelIndex row = topicRow(tree, name);
    return row.isValid() ? row.siblingAtColumn(column).data().toString() : u"<no %1>"_s.arg(name);
}

/// Clicks topic `name` in the tree where a user would.
void clickTopic(QTreeView *tree, const QString &name)
{
    const QModelIndex row = topicRow(tree, name);
    QVERIFY2(row.isValid(), qPrintable(name));
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(row).center());
    QCOMPARE(tree->currentIndex().data(TopicTreeModel::TopicRole).toString(), name);
}

/// Clicks the topic toolbar's button for the action `name`.
void clickToolBarAction(const QWidget &panel, const char *name)
{
    auto *toolBar = child<QToolBar>(panel, "topicToolBar");
    auto *action = child<QAction>(panel, name);
    QVERIFY(toolBar && action);
    QVERIFY2(action->isEnabled(), name);
    QWidget *button = toolBar->widgetForAction(action);
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
}

/// Replaces the text of a spin box as a user would: select all, type.
void typeInto(QAbstractSpinBox *spin, const QString &text)
{
    spin->setFocus();
    QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(spin, text);
    QTest::keyClick(spin, Qt::Key_Tab);
}

/// Picks the entry reading `text` in `combo` with the arrow keys, as a keyboard user would.
/// (The offscreen platform drops clicks into a popup that has just opened.)
void chooseInCombo(QComboBox *combo, const QString &text)
{
    const int row = combo->findText(text);
    QVERIFY2(row >= 0, qPrintable(text));
    combo->setFocus();
    while (combo->currentIndex() != row) {
        const int before = combo->currentIndex();
        QTest::keyClick(combo, row > before ? Qt::Key_Down : Qt::Key_Up);
        QVERIFY(combo->currentIndex() != before);
    }
    QCOMPARE(combo->currentText(), text);
}

/// Expands the tree row `index` by clicking its branch arrow.
void clickExpander(QTreeView *tree, const QModelIndex &index)
{
    const QRect rect = tree->visualRect(index);
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {},
                      QPoint(rect.left() - tree->indentation() / 2, rect.center().y()));
}

/// Sends `count` Fashion-MNIST-shaped records (blank 28x28 images) to `topic`, ids from `first`.
bool produce(StreamsWorkspace &streams, const QString &topic, int first, int count)
{
    auto producer = streams::MessageProducer::create(*streams.service->endpoint());
    if (!producer)
        return false;
    QByteArray pixels = "0";
    for (int i = 1; i < 784; ++i)
        pixels += ",0";
    for (int i = first; i < first + count; ++i) {
        streams::OutgoingMessage message;
        message.value = R"({"id": "s-)" + QByteArray::number(i) + R"(", "image": [)" + pixels
                        + R"(], "label": )" + QByteArray::number(i % 10) + "}";
        if (!producer.value()->send(topic, message))
            return false;
    }
    return bool(producer.value()->flush(5s));
}

/// The number a label shows ("1,234" -> 1234).
qint64 shownNumber(const QLabel *label)
{
    return QLocale().toLongLong(label->text());
}

} // namespace

class TestStreamsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void createdTopicShowsWithItsPartitions();
    void producedMessagesMoveTheCounts();
    void simulatorStartsAndStops();
    void browsingPagesThroughMessages();
    void drainedBatchesShowWithTheirDeadLetters();
    void unreachableProfileShowsTheDownBanner();
    void stoppedBrokerShowsTheDownBannerUntilItIsBack();
    void screenshot();

private:
    QTemporaryDir m_settings;
};

void TestStreamsPanel::initTestCase()
{
    useTestSettings(m_settings, u"tst_streamspanel"_s);
}

void TestStreamsPanel::init()
{
    QSettings settings;
    settings.clear();
    settings.sync();
}

void TestStreamsPanel::createdTopicShowsWithItsPartitions()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    auto *state = child<QLabel>(panel, "connectionState");
    QTRY_VERIFY2(state->text().contains(u"Connected"_s), qPrintable(state->text()));
    QVERIFY(child<QLabel>(panel, "durabilityBadge")->isVisible());
    QCOMPARE(child<QComboBox>(panel, "profileChooser")->currentText(),
             streams::EmbeddedBroker::label());

    // The embedded broker cannot delete topics: the action says so instead of failing.
    auto *remove = child<QAction>(panel, "deleteTopicAction");
    QVERIFY(!remove->isEnabled());
    QVERIFY2(remove->toolTip().contains(u"embedded broker cannot delete"_s),
             qPrintable(remove->toolTip()));

    clickToolBarAction(panel, "createTopicAction");
    QPointer<QDialog> dialog = panel.findChild<ui::CreateTopicDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QTest::keyClicks(child<QLineEdit>(*dialog, "topicName"), u"fashion-mnist"_s);
    typeInto(child<QSpinBox>(*dialog, "partitionCount"), u"3"_s);
    // The embedded broker has one broker and no retention to set.
    QCOMPARE(child<QSpinBox>(*dialog, "replicationFactor")->maximum(), 1);
    QVERIFY(!child<QComboBox>(*dialog, "retention")->isEnabled());
    QTest::mouseClick(child<QPushButton>(*dialog, "createButton"), Qt::LeftButton);
    QTRY_VERIFY(!dialog || !dialog->isVisible());

    // It shows, selected, with its three partitions below it.
    QTreeView *tree = topicTree(panel);
    QTRY_VERIFY(topicRow(tree, u"fashion-mnist"_s).isValid());
    QTRY_COMPARE(panel.currentTopic(), u"fashion-mnist"_s);
    const QModelIndex row = topicRow(tree, u"fashion-mnist"_s);
    QCOMPARE(topicCell(tree, u"fashion-mnist"_s, TopicTreeModel::MessagesColumn), u"0"_s);
    clickExpander(tree, row);
    QTRY_VERIFY(tree->isExpanded(row));
    QCOMPARE(tree->model()->rowCount(row), 3);
    for (int partition = 0; partition < 3; ++partition) {
        const QModelIndex index = tree->model()->index(partition, 0, row);
        QCOMPARE(index.data().toString(), u"partition %1"_s.arg(partition));
        QVERIFY(tree->visualRect(index).isValid());
        QCOMPARE(index.siblingAtColumn(TopicTreeModel::LeaderColumn).data().toString(), u"1"_s);
        QCOMPARE(index.siblingAtColumn(TopicTreeModel::HighColumn).data().toString(), u"0"_s);
    }
    QVERIFY2(child<QLabel>(panel, "topicStatus")->text().contains(u"1 topic"_s),
             qPrintable(child<QLabel>(panel, "topicStatus")->text()));

    // The filter hides what does not match.
    QVERIFY(streams.createTopic(u"orders"_s, 1));
    QTRY_VERIFY(topicRow(tree, u"orders"_s).isValid());
    QTest::keyClicks(child<QLineEdit>(panel, "topicFilter"), u"mnist"_s);
    QCOMPARE(tree->model()->rowCount(), 1);
    QVERIFY(topicRow(tree, u"fashion-mnist"_s).isValid());

    // Deleting asks for the topic's name; the embedded broker then refuses, and says why.
    ui::DeleteTopicDialog confirm([service = streams.service] { return service->endpoint(); },
                                  u"orders"_s, 0, &window);
    confirm.show();
    auto *deleteButton = child<QPushButton>(confirm, "deleteButton");
    QVERIFY(!deleteButton->isEnabled());
    QTest::keyClicks(child<QLineEdit>(confirm, "deleteConfirmation"), u"order"_s);
    QVERIFY(!deleteButton->isEnabled());
    QTest::keyClicks(child<QLineEdit>(confirm, "deleteConfirmation"), u"s"_s);
    QVERIFY(deleteButton->isEnabled());
    QTest::mouseClick(deleteButton, Qt::LeftButton);
    auto *refusal = child<QLabel>(confirm, "dialogMessage");
    QTRY_VERIFY(refusal->isVisible());
    QVERIFY2(refusal->text().contains(u"cannot delete"_s), qPrintable(refusal->text()));
    QVERIFY(confirm.isVisible());
    window.detachSession();
}

void TestStreamsPanel::producedMessagesMoveTheCounts()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    QTRY_VERIFY(streams.service->endpoint().has_value());
    QVERIFY(streams.createTopic(u"orders"_s, 2));
    QTreeView *tree = topicTree(panel);
    QTRY_VERIFY(topicRow(tree, u"orders"_s).isValid());
    clickTopic(tree, u"orders"_s);

    clickToolBarAction(panel, "produceAction");
    auto *dialog = panel.findChild<ProduceDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QCOMPARE(child<QComboBox>(*dialog, "produceTopic")->currentText(), u"orders"_s);
    QTest::keyClicks(child<QLineEdit>(*dialog, "produceKey"), u"customer-7"_s);
    QTest::keyClicks(child<QPlainTextEdit>(*dialog, "produceValue"),
                     uR"({"id": "o-1", "label": 3})"_s);
    typeInto(child<QSpinBox>(*dialog, "produceCount"), u"5"_s);
    QTest::mouseClick(child<QPushButton>(*dialog, "sendButton"), Qt::LeftButton);
    auto *report = child<QLabel>(*dialog, "deliveryReport");
    QTRY_VERIFY_WITH_TIMEOUT(report->isVisible() && report->text().contains(u"Delivered 5 of 5"_s),
                             15000);
    // One key: one partition, five offsets in a row.
    QVERIFY2(report->text().contains(u"offsets 0–4"_s), qPrintable(report->text()));
    QTRY_COMPARE_WITH_TIMEOUT(topicCell(tree, u"orders"_s, TopicTreeModel::MessagesColumn), u"5"_s,
                              10000);

    // A file, one message per line; the blank line is no message.
    QTemporaryDir dir;
    const QString path = dir.filePath(u"messages.jsonl"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"id\": \"o-2\"}\n{\"id\": \"o-3\"}\n\n{\"id\": \"o-4\"}\n");
    file.close();
    QTest::mouseClick(child<QRadioButton>(*dialog, "valueFromFile"), Qt::LeftButton);
    QVERIFY(!child<QPlainTextEdit>(*dialog, "produceValue")->isEnabled());
    QTest::keyClicks(child<QLineEdit>(*dialog, "produceFile"), path);
    typeInto(child<QSpinBox>(*dialog, "produceCount"), u"1"_s);
    QTest::mouseClick(child<QPushButton>(*dialog, "sendButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(report->text().contains(u"Delivered 3 of 3"_s), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(topicCell(tree, u"orders"_s, TopicTreeModel::MessagesColumn), u"8"_s,
                              10000);

    // A file that is not there is said so, and nothing is sent.
    child<QLineEdit>(*dialog, "produceFile")->clear();
    QTest::keyClicks(child<QLineEdit>(*dialog, "produceFile"), dir.filePath(u"missing"_s));
    QTest::mouseClick(child<QPushButton>(*dialog, "sendButton"), Qt::LeftButton);
    QTRY_VERIFY(report->text().contains(u"cannot read"_s));
    QTRY_VERIFY(!dialog->isSending());
    dialog->close();
    window.detachSession();
}

void TestStreamsPanel::simulatorStartsAndStops()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    QTRY_VERIFY(streams.service->endpoint().has_value());
    QVERIFY(streams.createTopic(u"fashion-mnist"_s, 2));
    QTreeView *tree = topicTree(panel);
    QTRY_VERIFY(topicRow(tree, u"fashion-mnist"_s).isValid());
    clickTopic(tree, u"fashion-mnist"_s);
    // Choosing a topic in the tree makes it the simulator's.
    QCOMPARE(child<QComboBox>(panel, "simulatorTopic")->currentText(), u"fashion-mnist"_s);

    typeInto(child<QDoubleSpinBox>(panel, "simulatorRate"), u"200"_s);
    auto *start = child<QPushButton>(panel, "simulatorStart");
    auto *stop = child<QPushButton>(panel, "simulatorStop");
    QVERIFY(start->isEnabled());
    QVERIFY(!stop->isEnabled());
    QTest::mouseClick(start, Qt::LeftButton);
    auto *sent = child<QLabel>(panel, "simulatorSent");
    auto *delivered = child<QLabel>(panel, "simulatorDelivered");
    QTRY_VERIFY_WITH_TIMEOUT(shownNumber(delivered) >= 300, 20000);
    QVERIFY(stop->isEnabled());
    QVERIFY(!start->isEnabled());
    // The tree shows the traffic arriving.
    QTRY_VERIFY_WITH_TIMEOUT(
        topicCell(tree, u"fashion-mnist"_s, TopicTreeModel::RateColumn) != u"0/s"_s, 10000);

    QTest::mouseClick(stop, Qt::LeftButton);
    auto *state = child<QLabel>(panel, "simulatorState");
    QTRY_VERIFY_WITH_TIMEOUT(state->text().startsWith(u"Stopped after"_s), 15000);
    QVERIFY(start->isEnabled());
    const qint64 total = shownNumber(sent);
    QCOMPARE(shownNumber(delivered), total);
    QCOMPARE(shownNumber(child<QLabel>(panel, "simulatorFailed")), 0);
    QTRY_COMPARE_WITH_TIMEOUT(topicCell(tree, u"fashion-mnist"_s, TopicTreeModel::MessagesColumn),
                              QLocale().toString(total), 10000);
    window.detachSession();
}

void TestStreamsPanel::browsingPagesThroughMessages()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    QTRY_VERIFY(streams.service->endpoint().has_value());
    QVERIFY(streams.createTopic(u"orders"_s, 1));
    {
        // 25 orders, order-0 the oldest; labels run 0..9 and round again.
        auto producer = streams::MessageProducer::create(*streams.service->endpoint());
        VERIFY_OK(producer);
        for (int i = 0; i < 25; ++i) {
            streams::OutgoingMessage message;
            message.key = "customer-" + QByteArray::number(i % 4);
            message.value = R"({"id": "order-)" + QByteArray::number(i) + R"(", "label": )"
                            + QByteArray::number(i % 10) + "}";
            VERIFY_OK(producer.value()->send(u"orders"_s, message));
        }
        VERIFY_OK(producer.value()->flush(5s));
    }
    QTreeView *tree = topicTree(panel);
    QTRY_COMPARE_WITH_TIMEOUT(topicCell(tree, u"orders"_s, TopicTreeModel::MessagesColumn), u"25"_s,
                              10000);
    clickTopic(tree, u"orders"_s);
    clickToolBarAction(panel, "browseAction");
    auto *tabs = child<QTabWidget>(panel, "streamsTabs");
    QCOMPARE(tabs->currentWidget()->objectName(), u"messageBrowser"_s);

    // Newest first, ten a page: order-24 down to order-15.
    auto *table = child<QTableView>(panel, "messageTable");
    auto *status = child<QLabel>(panel, "browserStatus");
    typeInto(child<QSpinBox>(panel, "pageSize"), u"10"_s);
    QTest::mouseClick(child<QPushButton>(panel, "searchMessages"), Qt::LeftButton);
    auto offsets = [table] {
        QList<qint64> shown;
        for (int row = 0; row < table->model()->rowCount(); ++row)
            shown << table->model()
                         ->index(row, 0)
                         .data(ui::MessageTableModel::OffsetRole)
                         .toLongLong();
        return shown;
    };
    QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(u"Page 1"_s), 15000);
    QCOMPARE(offsets(), QList<qint64>({24, 23, 22, 21, 20, 19, 18, 17, 16, 15}));
    QVERIFY2(status->text().contains(u"scanned 10 messages"_s), qPrintable(status->text()));
    // The first row's detail shows the whole message as indented JSON.
    auto *detail = child<QPlainTextEdit>(panel, "messageDetail");
    QVERIFY2(detail->toPlainText().contains(u"\"id\": \"order-24\""_s),
             qPrintable(detail->toPlainText()));
    QVERIFY(detail->toPlainText().contains(u'\n'));
    auto *previous = child<QPushButton>(panel, "previousPage");
    auto *next = child<QPushButton>(panel, "nextPage");
    QVERIFY(!previous->isEnabled());

    QTest::mouseClick(next, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(u"Page 2"_s), 15000);
    QCOMPARE(offsets(), QList<qint64>({14, 13, 12, 11, 10, 9, 8, 7, 6, 5}));
    QTest::mouseClick(next, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(u"Page 3"_s), 15000);
    QCOMPARE(offsets(), QList<qint64>({4, 3, 2, 1, 0}));
    QVERIFY(!next->isEnabled());
    QTest::mouseClick(previous, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(u"Page 2"_s), 15000);
    QCOMPARE(offsets(), QList<qint64>({14, 13, 12, 11, 10, 9, 8, 7, 6, 5}));

    // A JSON predicate: the orders labelled 3, found by scanning all 25.
    QTest::keyClicks(child<QLineEdit>(panel, "messageFilter"), u"label == 3"_s);
    QTest::mouseClick(child<QPushButton>(panel, "searchMessages"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(u"Page 1"_s), 15000);
    QCOMPARE(offsets(), QList<qint64>({23, 13, 3}));
    QVERIFY2(status->text().contains(u"scanned 25 messages"_s), qPrintable(status->text()));
    // A filter that does not parse says where, and reads nothing.
    auto *filter = child<QLineEdit>(panel, "messageFilter");
    filter->clear();
    QTest::keyClicks(filter, u"label == "_s);
    QTest::mouseClick(child<QPushButton>(panel, "searchMessages"), Qt::LeftButton);
    auto *filterError = child<QLabel>(panel, "filterError");
    QVERIFY(filterError->isVisible());
    QVERIFY2(filterError->text().contains(u"column"_s), qPrintable(filterError->text()));
    QCOMPARE(offsets(), QList<qint64>({23, 13, 3}));

    // The page exports as JSON.
    QTemporaryDir dir;
    const QString path = dir.filePath(u"labelled-3.json"_s);
    QVERIFY(chooseFromMenu(&panel, child<QToolButton>(panel, "exportMessages"), u"JSON…"_s));
    auto *chooser = panel.findChild<QFileDialog *>(u"exportFileDialog"_s);
    QVERIFY(chooser);
    QTRY_VERIFY(chooser->isVisible());
    auto *fileName = chooser->findChild<QLineEdit *>(u"fileNameEdit"_s);
    QVERIFY(fileName);
    fileName->clear();
    QTest::keyClicks(fileName, path);
    QTest::keyClick(fileName, Qt::Key_Return);
    QTRY_VERIFY(status->text().startsWith(u"Exported 3 messages"_s));
    QFile exported(path);
    QVERIFY(exported.open(QIODevice::ReadOnly));
    const QJsonArray array = QJsonDocument::fromJson(exported.readAll()).array();
    QCOMPARE(array.size(), 3);
    QCOMPARE(array.at(0).toObject().value(u"value"_s).toObject().value(u"id"_s).toString(),
             u"order-23"_s);
    window.detachSession();
}

void TestStreamsPanel::drainedBatchesShowWithTheirDeadLetters()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    QTRY_VERIFY(streams.service->endpoint().has_value());
    QVERIFY(streams.createTopic(u"fashion-mnist"_s, 1));
    // 20 images and 2 messages no drain can use.
    QVERIFY(produce(streams, u"fashion-mnist"_s, 0, 20));
    {
        auto producer = streams::MessageProducer::create(*streams.service->endpoint());
        VERIFY_OK(producer);
        streams::OutgoingMessage notJson;
        notJson.value = "label=3";
        streams::OutgoingMessage tooSmall;
        tooSmall.value = R"({"id": "tiny", "image": [1, 2, 3], "label": 3})";
        VERIFY_OK(producer.value()->send(u"fashion-mnist"_s, notJson));
        VERIFY_OK(producer.value()->send(u"fashion-mnist"_s, tooSmall));
        VERIFY_OK(producer.value()->flush(5s));
    }
    QTreeView *tree = topicTree(panel);
    QTRY_COMPARE_WITH_TIMEOUT(topicCell(tree, u"fashion-mnist"_s, TopicTreeModel::MessagesColumn),
                              u"22"_s, 10000);
    clickTopic(tree, u"fashion-mnist"_s);

    auto *tabs = child<QTabWidget>(panel, "streamsTabs");
    QTest::mouseClick(
        tabs->tabBar(), Qt::LeftButton, {},
        tabs->tabBar()->tabRect(tabs->indexOf(child<QWidget>(panel, "batchesView"))).center());
    QCOMPARE(tabs->currentWidget()->objectName(), u"batchesView"_s);
    QCOMPARE(child<QComboBox>(panel, "drainTopic")->currentText(), u"fashion-mnist"_s);
    QTest::mouseClick(child<QPushButton>(panel, "drainNow"), Qt::LeftButton);
    auto *status = child<QLabel>(panel, "batchStatus");
    auto *batches = child<QTableView>(panel, "batchTable");
    QTRY_VERIFY2_WITH_TIMEOUT(batches->model()->rowCount() == 1, qPrintable(status->text()), 30000);
    QTRY_VERIFY(status->text().startsWith(u"Drained 20 samples and 2 dead letters"_s));
    auto cell = [batches](int column) {
        return batches->model()->index(0, column).data().toString();
    };
    QCOMPARE(cell(ui::BatchListModel::StateColumn), u"incoming"_s);
    QCOMPARE(cell(ui::BatchListModel::OffsetsColumn), u"p0 0–21"_s);
    QCOMPARE(cell(ui::BatchListModel::SamplesColumn), u"20"_s);
    QCOMPARE(cell(ui::BatchListModel::DeadLettersColumn), u"2"_s);
    // The new batch is chosen, and its dead letters say why each was refused.
    auto *letters = child<QTableView>(panel, "deadLetterTable");
    QTRY_COMPARE(letters->model()->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
        QVERIFY(!letters->model()
                     ->index(row, ui::DeadLetterModel::ReasonColumn)
                     .data()
                     .toString()
                     .isEmpty());
    }
    QCOMPARE(letters->model()->index(0, ui::DeadLetterModel::PayloadColumn).data().toString(),
             u"label=3"_s);

    // The pipeline's group has committed: five more messages are five behind.
    QVERIFY(produce(streams, u"fashion-mnist"_s, 20, 5));
    auto *groups = child<QTreeView>(panel, "groupTree");
    QTRY_VERIFY_WITH_TIMEOUT(
        [groups] {
            const QModelIndex group = groups->model()->index(0, 0);
            return group.data().toString() == u"millrace-drain"_s
                   && group.siblingAtColumn(ui::GroupLagModel::LagColumn).data().toString()
                          == u"5"_s;
        }(),
        15000);

    // A run trains on the batch: the row says so and links to the run.
    tracking::TrackingStore &tracking = streams.session->tracking();
    auto experiment = tracking.createExperiment(u"fashion-mnist-cnn"_s);
    VERIFY_OK(experiment);
    auto run = tracking.createRun(*experiment, u"ada"_s, u"update_model"_s,
                                  QDateTime::currentMSecsSinceEpoch(), {});
    VERIFY_OK(run);
    const QString batchId =
        batches->model()->index(0, 0).data(ui::BatchListModel::BatchIdRole).toString();
    VERIFY_OK(streams::BatchStore::forWorkspace(streams.session->workspace().root())
                  .markUsed(batchId, run->info.runId));
    clickToolBarAction(panel, "refreshAction");
    QTRY_COMPARE(cell(ui::BatchListModel::StateColumn), u"used"_s);
    QTRY_COMPARE(cell(ui::BatchListModel::RunColumn), u"update_model"_s);
    const QModelIndex link = batches->model()->index(0, ui::BatchListModel::RunColumn);
    QTest::mouseClick(batches->viewport(), Qt::LeftButton, {}, batches->visualRect(link).center());
    QCOMPARE(child<QStackedWidget>(window, "panelStack")->currentWidget()->objectName(),
             u"experimentsPanel"_s);
    window.detachSession();
}

void TestStreamsPanel::unreachableProfileShowsTheDownBanner()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    auto *state = child<QLabel>(panel, "connectionState");
    QTRY_VERIFY(state->text().contains(u"Connected"_s));

    // A port that was free a moment ago: nothing listens there.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    const QString address = u"127.0.0.1:%1"_s.arg(server.serverPort());
    server.close();

    QTest::mouseClick(child<QPushButton>(panel, "manageProfilesButton"), Qt::LeftButton);
    QPointer<ProfilesDialog> dialog = panel.findChild<ProfilesDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QTRY_VERIFY(!dialog->isBusy());
    QTest::mouseClick(child<QPushButton>(*dialog, "addProfileButton"), Qt::LeftButton);
    QTest::keyClicks(child<QLineEdit>(*dialog, "profileName"), u"offline"_s);
    QTest::keyClicks(child<QLineEdit>(*dialog, "bootstrapServers"), address);
    QTest::mouseClick(child<QPushButton>(*dialog, "testConnectionButton"), Qt::LeftButton);
    auto *result = child<QLabel>(*dialog, "testResult");
    QTRY_VERIFY_WITH_TIMEOUT(result->text().contains(u"Unreachable"_s), 15000);
    QVERIFY2(result->text().contains(address), qPrintable(result->text()));
    QTest::mouseClick(child<QPushButton>(*dialog, "saveProfileButton"), Qt::LeftButton);
    QListWidget *list = child<QListWidget>(*dialog, "profileList");
    QTRY_COMPARE(list->count(), 1);
    QCOMPARE(list->item(0)->text(), u"offline"_s);
    dialog->close();

    // The profile is offered after the embedded broker; choosing it connects there.
    auto *chooser = child<QComboBox>(panel, "profileChooser");
    QTRY_COMPARE(chooser->count(), 2);
    chooseInCombo(chooser, u"offline"_s);
    auto *banner = child<QLabel>(panel, "downBanner");
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
    QVERIFY2(banner->text().contains(u"Cluster unreachable since"_s), qPrintable(banner->text()));
    QVERIFY(state->text().contains(u"Down"_s));
    QVERIFY(!child<QLabel>(panel, "durabilityBadge")->isVisible());
    QVERIFY(!child<QAction>(panel, "createTopicAction")->isEnabled());

    // Back on the embedded broker, the banner goes.
    chooseInCombo(chooser, streams::EmbeddedBroker::label());
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible() && state->text().contains(u"Connected"_s), 15000);
    QVERIFY(child<QLabel>(panel, "durabilityBadge")->isVisible());

    // Removing the profile asks first, then it is gone from the list and the chooser.
    QTest::mouseClick(child<QPushButton>(panel, "manageProfilesButton"), Qt::LeftButton);
    dialog = panel.findChild<ProfilesDialog *>();
    QVERIFY(dialog);
    list = child<QListWidget>(*dialog, "profileList");
    QTRY_COMPARE(list->count(), 1);
    QTRY_VERIFY(child<QPushButton>(*dialog, "removeProfileButton")->isEnabled());
    QTest::mouseClick(child<QPushButton>(*dialog, "removeProfileButton"), Qt::LeftButton);
    auto *confirm = dialog->findChild<QMessageBox *>(u"removeProfileConfirmation"_s);
    QVERIFY(confirm);
    QTRY_VERIFY(confirm->isVisible());
    QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE(list->count(), 0);
    QTRY_COMPARE(chooser->count(), 1);
    dialog->close();
    window.detachSession();
}

void TestStreamsPanel::stoppedBrokerShowsTheDownBannerUntilItIsBack()
{
    StreamsWorkspace streams;
    QVERIFY(streams.open());
    MainWindow window;
    StreamsPanel *shown = showStreams(window, *streams.session);
    QVERIFY(shown);
    StreamsPanel &panel = *shown;
    auto *state = child<QLabel>(panel, "connectionState");
    QTRY_VERIFY(state->text().contains(u"Connected"_s));
    QVERIFY(streams.createTopic(u"orders"_s, 1));
    QTRY_VERIFY(topicRow(topicTree(panel), u"orders"_s).isValid());

    std::shared_ptr<streams::EmbeddedBroker> broker = streams.broker();
    QVERIFY(broker);
    VERIFY_OK(broker->setBrokerUp(1, false));
    auto *banner = child<QLabel>(panel, "downBanner");
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
    QVERIFY2(banner->text().contains(u"Cluster unreachable since"_s), qPrintable(banner->text()));
    // What it knew stays in view.
    QVERIFY(topicRow(topicTree(panel), u"orders"_s).isValid());

    VERIFY_OK(broker->setBrokerUp(1, true));
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 20000);
    QVERIFY(state->text().contains(u"Connected"_s));
    window.detachSession();
}

void TestStreamsPanel::screenshot()
{
    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty()) {
        QVERIFY(fallback.isValid());
        outDir = fallback.path();
        qInfo().noquote() << "MILLRACE_SCREENSHOT_DIR not set; writing to" << outDir;
    }
    QVERIFY(QDir().mkpath(outDir));

    StreamsWorkspace streams;
    QVERIFY(streams.open());
    millrace::LogBus bus;
    MainWindow window(&bus);
    const QSize size(1200, 780);
    StreamsPanel *shown = showStreams(window, *streams.session, size);
    QVERIFY(shown);
    // The offscreen platform's warnings are about the test, not the app: keep them out of the
    // pictured log dock.
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restoreRules = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    StreamsPanel &panel = *shown;
    auto *dock = child<QDockWidget>(window, "logDock");
    QVERIFY(dock);
    window.resizeDocks({dock}, {110}, Qt::Vertical);
    QTRY_VERIFY(streams.service->endpoint().has_value());
    QVERIFY(streams.createTopic(u"fashion-mnist"_s, 3));
    // Requests scored by a predictor and its predictions, earlier: written before the service
    // first sees the topics, so they count as held, not as arriving now.
    QVERIFY(streams.createTopic(u"predictions"_s, 2));
    QVERIFY(streams.createTopic(u"requests"_s, 2));
    QVERIFY(produce(streams, u"requests"_s, 0, 640));
    QVERIFY(produce(streams, u"predictions"_s, 0, 610));
    QTreeView *tree = topicTree(panel);
    QTRY_VERIFY(topicRow(tree, u"requests"_s).isValid());
    clickTopic(tree, u"fashion-mnist"_s);
    const QModelIndex row = topicRow(tree, u"fashion-mnist"_s);
    clickExpander(tree, row);

    // The simulator streams the holdout in; the pipeline's drain catches up twice, so the lag
    // climbs and falls back.
    typeInto(child<QDoubleSpinBox>(panel, "simulatorRate"), u"120"_s);
    QTest::mouseClick(child<QPushButton>(panel, "simulatorStart"), Qt::LeftButton);
    auto *chart = child<ui::ThroughputChart>(panel, "throughputChart");
    auto *tabs = child<QTabWidget>(panel, "streamsTabs");
    auto clickTab = [tabs](const QString &name) {
        QTabBar *bar = tabs->tabBar();
        const int index = tabs->indexOf(tabs->findChild<QWidget *>(name));
        QTest::mouseClick(bar, Qt::LeftButton, {}, bar->tabRect(index).center());
        QCOMPARE(tabs->currentIndex(), index);
    };
    auto *batches = child<QTableView>(panel, "batchTable");
    for (int drain = 1; drain <= 2; ++drain) {
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() >= 4 * drain, 20000);
        clickTab(u"batchesView"_s);
        QTest::mouseClick(child<QPushButton>(panel, "drainNow"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(batches->model()->rowCount() == drain, 20000);
        clickTab(u"trafficTab"_s);
    }
    QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount() >= 11, 20000);

    const QImage image = window.grab().toImage();
    const QString path = QDir(outDir).filePath(u"streams-panel.png"_s);
    QVERIFY2(image.save(path), qPrintable(path));
    QCOMPARE(image.size(), size);
    QVERIFY(!QImage(path).isNull());
    QTest::mouseClick(child<QPushButton>(panel, "simulatorStop"), Qt::LeftButton);
    window.detachSession();
}

QTEST_MAIN(TestStreamsPanel)
#include "tst_streamspanel.moc"
