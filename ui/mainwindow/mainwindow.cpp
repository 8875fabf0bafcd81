#include "ui/mainwindow/mainwindow.h"

#include "core/plugins/pluginmanager.h"
#include "core/scheduler/schedulerservice.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/training/pluginarchitectures.h"
#include "core/training/trainingservice.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "plugins/api/modelarchitecture.h"
#include "ui/dialogs/onnxexportdialog.h"
#include "ui/dialogs/pluginsdialog.h"
#include "ui/dialogs/traindialog.h"
#include "ui/logdock/logdock.h"
#include "ui/mainwindow/demospeedtoggle.h"
#include "ui/mainwindow/schedulertoggle.h"
#include "ui/panels/experiments/experimentspanel.h"
#include "ui/panels/experiments/runactions.h"
#include "ui/panels/jobs/jobspanel.h"
#include "ui/panels/registry/registrypanel.h"
#include "ui/panels/serving/servingpanel.h"
#include "ui/panels/streams/streamspanel.h"
#include "ui/uilog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>

namespace millrace::ui {

namespace {
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kPanelKey = QStringLiteral("mainWindow/panel");
// Sidebar items remember their icon file, to recolour the icon when the palette changes.
constexpr int kIconFileRole = Qt::UserRole + 1;
} // namespace

MainWindow::MainWindow(LogBus *logBus, QWidget *parent)
    : QMainWindow(parent), m_panelList(new QListWidget), m_panelStack(new QStackedWidget),
      m_logDock(new LogDock(this)), m_experimentsPanel(new ExperimentsPanel),
      m_registryPanel(new RegistryPanel), m_streamsPanel(new StreamsPanel),
      m_jobsPanel(new JobsPanel), m_servingPanel(new ServingPanel),
      m_runActions(m_experimentsPanel->findChild<RunActions *>(QStringLiteral("runActions")))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Millrace"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/millrace.png")));

    m_panelList->setObjectName(QStringLiteral("panelList"));
    m_panelStack->setObjectName(QStringLiteral("panelStack"));
    m_panelList->setIconSize(QSize(24, 24));
    m_panelList->installEventFilter(this);
    m_panelList->setSpacing(2);
    connect(m_panelList, &QListWidget::currentRowChanged, m_panelStack,
            &QStackedWidget::setCurrentIndex);

    addPanel(tr("Streams"), QStringLiteral(":/icons/streams.svg"), m_streamsPanel);
    // A batch's training run opens in the Experiments panel.
    connect(m_streamsPanel, &StreamsPanel::showRunRequested, this,
            [this](const QString &experimentId, const QString &runId) {
                revealRuns({experimentId}, {runId}, false);
            });
    addPanel(tr("Jobs"), QStringLiteral(":/icons/jobs.svg"), m_jobsPanel);
    addPanel(tr("Experiments"), QStringLiteral(":/icons/experiments.svg"), m_experimentsPanel);
    addPanel(tr("Registry"), QStringLiteral(":/icons/registry.svg"), m_registryPanel);
    // A version's source run and compared versions open in the Experiments panel.
    connect(m_registryPanel, &RegistryPanel::showRunRequested, this,
            [this](const QString &experimentId, const QString &runId) {
                revealRuns({experimentId}, {runId}, false);
            });
    connect(m_registryPanel, &RegistryPanel::compareRunsRequested, this,
            [this](const QStringList &experimentIds, const QStringList &runIds) {
                revealRuns(experimentIds, runIds, true);
            });
    connect(m_registryPanel, &RegistryPanel::exportToOnnxRequested, this,
            &MainWindow::showOnnxExportDialog);
    // A run's model registered from the Experiments panel: said in the status bar, and shown in
    // the Registry panel when asked.
    Q_ASSERT(m_runActions);
    connect(m_runActions, &RunActions::modelRegistered, this,
            [this](const QString &name, qint64 version) {
                statusBar()->showMessage(tr("Registered %1 version %2").arg(name).arg(version),
                                         15000);
            });
    connect(m_runActions, &RunActions::showModelRequested, this,
            [this](const QString &name) { revealModel(name); });
    addPanel(tr("Serving"), QStringLiteral(":/icons/serving.svg"), m_servingPanel);
    int widestName = 0;
    for (int row = 0; row < m_panelList->count(); ++row)
        widestName =
            qMax(widestName,
                 m_panelList->fontMetrics().horizontalAdvance(m_panelList->item(row)->text()));
    m_panelList->setFixedWidth(widestName + m_panelList->iconSize().width() + 48);

    auto *central = new QWidget;
    auto *centralLayout = new QHBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_panelList);
    centralLayout->addWidget(m_panelStack, 1);
    setCentralWidget(central);

    auto *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    auto *schedulerAction = toolbar->addAction(QString());
    m_schedulerToggle = new SchedulerToggle(schedulerAction, this);
    m_demoSpeedToggle = new DemoSpeedToggle(toolbar->addAction(QString()), this);
    m_trainAction = toolbar->addAction(QIcon::fromTheme(QStringLiteral("system-run")), tr("Train…"),
                                       this, &MainWindow::showTrainDialog);
    m_trainAction->setObjectName(QStringLiteral("trainAction"));
    m_trainAction->setToolTip(tr("Train a model or search its hyperparameters"));
    m_trainAction->setEnabled(false);

    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    if (logBus)
        m_logDock->follow(logBus);

    createMenus();
    createStatusBar();
    connect(m_schedulerToggle, &SchedulerToggle::statusChanged, m_schedulerLabel, &QLabel::setText);
    m_schedulerToggle->bind(nullptr);
    connect(m_demoSpeedToggle, &SwitchToggle::saveFailed, this, [this](const QString &message) {
        statusBar()->showMessage(tr("Demo speed: could not save (%1)").arg(message), 15000);
    });

    resize(1200, 780);
    restoreLayout();
}

MainWindow::~MainWindow() = default;

namespace {

// The panel icon, plus a copy in the palette's highlighted-text colour for the selected row, so
// the icon stays visible on the selection in light and dark palettes alike.
QIcon panelIcon(const QString &file, const QPalette &palette, QSize size)
{
    const QIcon source(file);
    QIcon icon;
    for (int scale : {1, 2}) {
        const QPixmap normal = source.pixmap(size * scale);
        QPixmap selected = normal;
        QPainter painter(&selected);
        painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
        painter.fillRect(selected.rect(), palette.color(QPalette::HighlightedText));
        painter.end();
        icon.addPixmap(normal, QIcon::Normal);
        icon.addPixmap(selected, QIcon::Selected);
    }
    return icon;
}

} // namespace

void MainWindow::addPanel(const QString &name, const QString &iconFile, QWidget *panel)
{
    panel->setObjectName(name.toLower() + QStringLiteral("Panel"));
    m_panelStack->addWidget(panel);
    auto *item = new QListWidgetItem(name, m_panelList);
    item->setData(kIconFileRole, iconFile);
    item->setIcon(panelIcon(iconFile, m_panelList->palette(), m_panelList->iconSize()));
    item->setSizeHint(QSize(0, 36));
    if (m_panelList->count() == 1)
        m_panelList->setCurrentRow(0);
}

void MainWindow::createStatusBar()
{
    m_workspaceLabel = new QLabel(tr("No workspace"));
    m_workspaceLabel->setObjectName(QStringLiteral("workspaceStatus"));
    m_brokerLabel = new QLabel(tr("Broker: none"));
    m_brokerLabel->setObjectName(QStringLiteral("brokerStatus"));
    m_servingLabel = new QLabel(tr("Serving: stopped"));
    m_servingLabel->setObjectName(QStringLiteral("servingStatus"));
    m_schedulerLabel = new QLabel;
    m_schedulerLabel->setObjectName(QStringLiteral("schedulerStatus"));
    statusBar()->addWidget(m_workspaceLabel, 1);
    statusBar()->addPermanentWidget(m_schedulerLabel);
    statusBar()->addPermanentWidget(m_brokerLabel);
    statusBar()->addPermanentWidget(m_servingLabel);
    connect(m_streamsPanel, &StreamsPanel::statusChanged, m_brokerLabel, &QLabel::setText);
    connect(m_servingPanel, &ServingPanel::statusChanged, m_servingLabel, &QLabel::setText);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_logDock->toggleViewAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    m_pluginsAction = help->addAction(tr("&Plugins…"), this, &MainWindow::showPlugins);
    m_pluginsAction->setObjectName(QStringLiteral("pluginsAction"));
    m_pluginsAction->setEnabled(false);
    help->addAction(tr("&About Millrace"), this, [this] {
        QMessageBox::about(this, tr("About Millrace"),
                           tr("<b>Millrace %1</b><p>Keeps machine-learning models in shape while "
                              "new data streams in.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::showPlugins()
{
    if (!m_session)
        return;
    auto *dialog = new PluginsDialog(m_session->plugins(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::showTrainDialog()
{
    if (!m_session || !m_session->training())
        return;
    TrainDialog *dialog = findChild<TrainDialog *>();
    if (!dialog) {
        QList<TrainDialog::ArchitectureChoice> choices;
        for (const PluginInfo &info : m_session->plugins().plugins()) {
            const auto *plugin = m_session->plugins().find<plugins::ModelArchitecture>(info.id);
            if (!plugin)
                continue;
            const ml::Architecture &architecture = plugin->architecture();
            choices.append({QString::fromStdString(architecture.id()),
                            QString::fromStdString(architecture.displayName()),
                            architecture.inputKind(), architecture.hyperparameters()});
        }
        dialog = new TrainDialog(*m_session->training(), choices, this);
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

void MainWindow::showOnnxExportDialog(const QString &modelName, qint64 version)
{
    if (!m_session)
        return;
    auto *dialog = new OnnxExportDialog(m_session->registry(),
                                        training::pluginArchitectures(m_session->plugins()),
                                        modelName, version, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::revealRuns(const QStringList &experimentIds, const QStringList &runIds,
                            bool compare)
{
    m_panelList->setCurrentRow(m_panelStack->indexOf(m_experimentsPanel));
    m_experimentsPanel->revealRuns(experimentIds, runIds, compare);
}

void MainWindow::revealModel(const QString &name)
{
    m_panelList->setCurrentRow(m_panelStack->indexOf(m_registryPanel));
    m_registryPanel->showModel(name);
}

void MainWindow::showOpening(const QString &root)
{
    m_workspaceLabel->setText(tr("Opening workspace %1 …").arg(root));
}

void MainWindow::attachSession(Session &session)
{
    detachSession();
    const QString root = session.workspace().root();
    m_workspaceLabel->setText(tr("Workspace: %1").arg(root));
    m_workspaceLabel->setToolTip(root);
    m_schedulerSwitch = new SchedulerSwitch(session.workspace().store(),
                                            SchedulerSwitch::Kind::ScheduledUpdates, this);
    m_schedulerToggle->bind(m_schedulerSwitch);
    if (scheduler::SchedulerService *service = session.scheduler()) {
        // The switch persists the choice; the scheduler applies it (it read the same stored
        // value when it started).
        connect(m_schedulerSwitch, &SchedulerSwitch::stateChanged, service,
                [service](bool running) { service->setRunning(running); });
    }
    m_schedulerSwitch->load();
    m_demoSpeedSwitch =
        new SchedulerSwitch(session.workspace().store(), SchedulerSwitch::Kind::DemoSpeed, this);
    m_demoSpeedToggle->bind(m_demoSpeedSwitch);
    if (scheduler::SchedulerService *service = session.scheduler())
        connect(m_demoSpeedSwitch, &SchedulerSwitch::stateChanged, service,
                [service](bool on) { service->setDemoSpeed(on); });
    m_demoSpeedSwitch->load();
    m_session = &session;
    m_experimentsPanel->attachSession(session);
    // After the panel's attach, which lets go of any registry its actions had.
    m_runActions->attachRegistry(session.registry());
    m_registryPanel->attachSession(session);
    m_streamsPanel->attachSession(session);
    m_jobsPanel->attachSession(session);
    m_servingPanel->attachSession(session);
    m_pluginsAction->setEnabled(true);
    m_trainAction->setEnabled(session.training() != nullptr);
    if (!session.plugins().errors().isEmpty())
        statusBar()->showMessage(tr("%n plugin(s) could not be loaded; see Help > Plugins", nullptr,
                                    int(session.plugins().errors().size())),
                                 15000);
    qCInfo(lcUi).noquote() << "window attached to" << root;
}

void MainWindow::detachSession()
{
    m_session = nullptr;
    m_experimentsPanel->detachSession();
    m_registryPanel->detachSession();
    m_streamsPanel->detachSession();
    m_jobsPanel->detachSession();
    m_servingPanel->detachSession();
    m_pluginsAction->setEnabled(false);
    m_trainAction->setEnabled(false);
    for (auto *dialog : findChildren<PluginsDialog *>())
        delete dialog;
    for (auto *dialog : findChildren<TrainDialog *>())
        delete dialog;
    for (auto *dialog : findChildren<OnnxExportDialog *>())
        delete dialog;
    m_schedulerToggle->bind(nullptr);
    delete m_schedulerSwitch.data();
    m_demoSpeedToggle->bind(nullptr);
    delete m_demoSpeedSwitch.data();
}

void MainWindow::showPanel(int index)
{
    m_panelList->setCurrentRow(index);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // The desktop switched between light and dark: the selected-row icons follow. Watched on
    // the list itself, which has its new palette by the time it hears of the change.
    if (watched == m_panelList && event->type() == QEvent::PaletteChange) {
        for (int row = 0; row < m_panelList->count(); ++row) {
            QListWidgetItem *item = m_panelList->item(row);
            item->setIcon(panelIcon(item->data(kIconFileRole).toString(), m_panelList->palette(),
                                    m_panelList->iconSize()));
        }
        if (m_schedulerToggle)
            m_schedulerToggle->refresh();
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::restoreLayout()
{
    const QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    if (!restoreState(settings.value(kStateKey).toByteArray()))
        resizeDocks({m_logDock}, {180}, Qt::Vertical); // first start: the panels get the room
    const int panel = settings.value(kPanelKey, 0).toInt();
    if (panel >= 0 && panel < m_panelList->count())
        m_panelList->setCurrentRow(panel);
}

void MainWindow::saveLayout() const
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kPanelKey, m_panelList->currentRow());
}

} // namespace millrace::ui
