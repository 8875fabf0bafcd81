#include "ui/panels/experiments/rundetailpane.h"

#include "ui/panels/experiments/artifactfiles.h"
#include "ui/panels/experiments/artifacttreemodel.h"
#include "ui/panels/experiments/imagepreview.h"
#include "ui/panels/experiments/keyvaluemodel.h"
#include "ui/panels/experiments/rundetailfeed.h"
#include "ui/panels/experiments/runmetricsmodel.h"
#include "ui/panels/experiments/runtablemodel.h"
#include "ui/panels/experiments/sparklinedelegate.h"
#include "ui/uilog.h"

#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QTreeView>
#include <QUrl>
#include <QVBoxLayout>

#include <array>
#include <tuple>

namespace millrace::ui {

namespace {

QString timeText(std::optional<qint64> ms)
{
    if (!ms)
        return QStringLiteral("—");
    return QDateTime::fromMSecsSinceEpoch(*ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

// The pages of the Artifacts tab and of its preview.
enum ArtifactPage { ArtifactMessagePage, ArtifactBrowserPage };
enum PreviewPage { PreviewMessagePage, PreviewImagePage, PreviewTextPage };

QLabel *placeholder(const QString &objectName)
{
    auto *label = new QLabel;
    label->setObjectName(objectName);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setForegroundRole(QPalette::PlaceholderText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setMargin(12);
    return label;
}

QLabel *sectionTitle(QWidget *parent)
{
    auto *title = new QLabel(parent);
    QFont font = title->font();
    font.setBold(true);
    title->setFont(font);
    return title;
}

} // namespace

RunDetailPane::RunDetailPane(QWidget *parent)
    : QWidget(parent), m_feed(new RunDetailFeed(this)), m_pages(new QStackedWidget(this)),
      m_detailPage(new QWidget), m_params(new KeyValueModel({tr("Param"), tr("Value")}, this)),
      m_metrics(new RunMetricsModel(this)),
      m_tags(new KeyValueModel({tr("Tag"), tr("Value")}, this)),
      m_artifacts(new ArtifactTreeModel(this))
{
    setObjectName(QStringLiteral("runDetail"));

    auto *hint = new QLabel(tr("Select a run to see its params, metrics, tags and artifacts."));
    hint->setObjectName(QStringLiteral("runDetailHint"));
    hint->setAlignment(Qt::AlignCenter);
    hint->setForegroundRole(QPalette::PlaceholderText);

    m_name = new QLabel;
    m_name->setObjectName(QStringLiteral("runDetailName"));
    QFont nameFont = m_name->font();
    nameFont.setBold(true);
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.2);
    m_name->setFont(nameFont);
    m_name->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("runDetailStatus"));

    auto *titleRow = new QHBoxLayout;
    titleRow->setContentsMargins(0, 0, 0, 0);
    titleRow->addWidget(m_name);
    titleRow->addSpacing(12);
    titleRow->addWidget(m_status);
    titleRow->addStretch(1);

    m_fields = new QGridLayout;
    m_fields->setContentsMargins(0, 0, 0, 0);
    m_fields->setHorizontalSpacing(10);
    m_fields->setVerticalSpacing(3);
    m_id = addField(0, 0, tr("Run ID"), QStringLiteral("runDetailId"));
    m_experiment = addField(0, 2, tr("Experiment"), QStringLiteral("runDetailExperiment"));
    m_user = addField(0, 4, tr("User"), QStringLiteral("runDetailUser"));
    m_started = addField(1, 0, tr("Started"), QStringLiteral("runDetailStart"));
    m_ended = addField(1, 2, tr("Ended"), QStringLiteral("runDetailEnd"));
    m_duration = addField(1, 4, tr("Duration"), QStringLiteral("runDetailDuration"));
    m_artifactUri = addField(2, 0, tr("Artifacts"), QStringLiteral("runDetailArtifactUri"));
    // The URI may be long: it spans the row.
    m_fields->removeWidget(m_artifactUri);
    m_fields->addWidget(m_artifactUri, 2, 1, 1, 5);
    m_fields->setColumnStretch(1, 3);
    m_fields->setColumnStretch(3, 2);
    m_fields->setColumnStretch(5, 1);

    m_paramsTitle = sectionTitle(this);
    m_metricsTitle = sectionTitle(this);
    m_tagsTitle = sectionTitle(this);
    auto *tables = new QHBoxLayout;
    tables->setContentsMargins(0, 0, 0, 0);
    tables->setSpacing(10);
    const std::array<std::tuple<QLabel *, QAbstractItemModel *, QString>, 3> sections{{
        {m_paramsTitle, m_params, QStringLiteral("runParams")},
        {m_metricsTitle, m_metrics, QStringLiteral("runMetrics")},
        {m_tagsTitle, m_tags, QStringLiteral("runTags")},
    }};
    for (const auto &[title, model, name] : sections) {
        auto *column = new QVBoxLayout;
        column->setSpacing(3);
        column->addWidget(title);
        QTableView *table = createTable(model, name);
        m_tables.append(table);
        column->addWidget(table, 1);
        // Metrics have a column more (the sparkline): a little more width.
        tables->addLayout(column, model == m_metrics ? 4 : 3);
    }
    // The sparkline column keeps a fixed, small width: the metrics table shares the pane's
    // width with two others, and the latest value matters more.
    QTableView *metricsView = m_tables.at(1);
    metricsView->setItemDelegateForColumn(RunMetricsModel::HistoryColumn,
                                          new SparklineDelegate(metricsView));
    metricsView->horizontalHeader()->setSectionResizeMode(RunMetricsModel::HistoryColumn,
                                                          QHeaderView::Fixed);
    metricsView->setColumnWidth(RunMetricsModel::HistoryColumn, SparklineDelegate::kWidth);

    auto *overview = new QWidget;
    overview->setObjectName(QStringLiteral("runOverview"));
    tables->setContentsMargins(0, 6, 0, 0);
    overview->setLayout(tables);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("runDetailTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(overview, tr("Overview"));
    m_tabs->addTab(createArtifactsTab(), tr("Artifacts"));

    connect(m_feed, &RunDetailFeed::artifactsLoaded, this, &RunDetailPane::onArtifactsLoaded);
    connect(m_feed, &RunDetailFeed::previewLoaded, this, &RunDetailPane::onPreviewLoaded);
    connect(m_feed, &RunDetailFeed::sparklinesLoaded, this, &RunDetailPane::onSparklinesLoaded);

    auto *detailLayout = new QVBoxLayout(m_detailPage);
    detailLayout->setContentsMargins(8, 6, 8, 6);
    detailLayout->setSpacing(6);
    detailLayout->addLayout(titleRow);
    detailLayout->addLayout(m_fields);
    detailLayout->addWidget(m_tabs, 1);

    m_pages->addWidget(hint);
    m_pages->addWidget(m_detailPage);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
    showRun(nullptr, QString(), 0);
}

RunDetailPane::~RunDetailPane()
{
    m_feed->detach();
}

void RunDetailPane::attach(const tracking::TrackingStore &tracking)
{
    m_feed->attach(tracking);
    if (m_runId.isEmpty())
        return;
    // A run was shown without a store: read what it could not.
    clearArtifacts();
    refreshArtifacts();
    QStringList keys;
    for (const tracking::MetricPoint &point : m_metrics->metrics())
        keys.append(point.key);
    if (!keys.isEmpty())
        m_feed->loadSparklines(m_runId, keys);
}

void RunDetailPane::detach()
{
    m_feed->detach();
    m_metricsStamp.clear();
    m_runState.clear();
    clearArtifacts();
}

QWidget *RunDetailPane::createArtifactsTab()
{
    m_artifactMessage = placeholder(QStringLiteral("artifactMessage"));
    m_artifactMessage->setTextFormat(Qt::RichText);

    m_artifacts->setIcons(style()->standardIcon(QStyle::SP_DirIcon),
                          style()->standardIcon(QStyle::SP_FileIcon));
    m_artifactView = new QTreeView;
    m_artifactView->setObjectName(QStringLiteral("artifactTree"));
    m_artifactView->setModel(m_artifacts);
    m_artifactView->setUniformRowHeights(true);
    m_artifactView->setAllColumnsShowFocus(true);
    m_artifactView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_artifactView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_artifactView->header()->setStretchLastSection(false);
    m_artifactView->header()->setSectionResizeMode(ArtifactTreeModel::NameColumn,
                                                   QHeaderView::Stretch);
    m_artifactView->header()->setSectionResizeMode(ArtifactTreeModel::SizeColumn,
                                                   QHeaderView::ResizeToContents);
    connect(m_artifactView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &RunDetailPane::onCurrentArtifactChanged);
    connect(m_artifactView, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        // A folder expands on a double click; a file opens.
        if (!index.data(ArtifactTreeModel::IsDirRole).toBool())
            openCurrentArtifact();
    });

    m_openButton = new QPushButton(tr("Open"));
    m_openButton->setObjectName(QStringLiteral("artifactOpen"));
    m_openButton->setToolTip(tr("Open the selected artifact with its application"));
    connect(m_openButton, &QPushButton::clicked, this, &RunDetailPane::openCurrentArtifact);
    m_folderButton = new QPushButton(tr("Show folder"));
    m_folderButton->setObjectName(QStringLiteral("artifactShowFolder"));
    m_folderButton->setToolTip(tr("Open the folder holding the selected artifact"));
    connect(m_folderButton, &QPushButton::clicked, this, &RunDetailPane::showArtifactFolder);
    auto *refresh = new QToolButton;
    refresh->setObjectName(QStringLiteral("artifactRefresh"));
    refresh->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
    refresh->setToolTip(tr("List the artifacts again"));
    refresh->setAutoRaise(true);
    connect(refresh, &QToolButton::clicked, this, &RunDetailPane::refreshArtifacts);
    m_artifactStatus = new QLabel;
    m_artifactStatus->setObjectName(QStringLiteral("artifactStatus"));
    m_artifactStatus->setForegroundRole(QPalette::PlaceholderText);
    m_artifactStatus->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_openButton);
    buttons->addWidget(m_folderButton);
    buttons->addWidget(m_artifactStatus, 1);
    buttons->addWidget(refresh);
    auto *browserSide = new QWidget;
    auto *browserLayout = new QVBoxLayout(browserSide);
    browserLayout->setContentsMargins(0, 0, 0, 0);
    browserLayout->setSpacing(4);
    browserLayout->addWidget(m_artifactView, 1);
    browserLayout->addLayout(buttons);

    m_previewMessage = placeholder(QStringLiteral("artifactPreviewMessage"));
    m_previewMessage->setTextFormat(Qt::PlainText);
    m_image = new ImagePreview;
    m_image->setObjectName(QStringLiteral("artifactImage"));
    m_imageInfo = new QLabel;
    m_imageInfo->setObjectName(QStringLiteral("artifactImageInfo"));
    m_imageInfo->setAlignment(Qt::AlignCenter);
    m_imageInfo->setForegroundRole(QPalette::PlaceholderText);
    auto *imagePage = new QWidget;
    auto *imageLayout = new QVBoxLayout(imagePage);
    imageLayout->setContentsMargins(0, 0, 0, 0);
    imageLayout->setSpacing(2);
    imageLayout->addWidget(m_image, 1);
    imageLayout->addWidget(m_imageInfo);
    m_text = new QPlainTextEdit;
    m_text->setObjectName(QStringLiteral("artifactText"));
    m_text->setReadOnly(true);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_textNote = new QLabel;
    m_textNote->setObjectName(QStringLiteral("artifactTextNote"));
    m_textNote->setForegroundRole(QPalette::PlaceholderText);
    m_textNote->hide();
    auto *textPage = new QWidget;
    auto *textLayout = new QVBoxLayout(textPage);
    textLayout->setContentsMargins(0, 0, 0, 0);
    textLayout->setSpacing(2);
    textLayout->addWidget(m_textNote);
    textLayout->addWidget(m_text, 1);
    m_previewPages = new QStackedWidget;
    m_previewPages->setObjectName(QStringLiteral("artifactPreview"));
    // One frame around whichever preview shows, like the tree's beside it.
    m_previewPages->setFrameShape(QFrame::StyledPanel);
    m_text->setFrameShape(QFrame::NoFrame);
    m_previewPages->insertWidget(PreviewMessagePage, m_previewMessage);
    m_previewPages->insertWidget(PreviewImagePage, imagePage);
    m_previewPages->insertWidget(PreviewTextPage, textPage);

    auto *split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("artifactSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(browserSide);
    split->addWidget(m_previewPages);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    m_artifactPages = new QStackedWidget;
    m_artifactPages->setObjectName(QStringLiteral("artifactPages"));
    m_artifactPages->insertWidget(ArtifactMessagePage, m_artifactMessage);
    m_artifactPages->insertWidget(ArtifactBrowserPage, split);
    auto *tab = new QWidget;
    tab->setObjectName(QStringLiteral("runArtifacts"));
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(m_artifactPages);
    return tab;
}

void RunDetailPane::clearArtifacts()
{
    m_feed->cancelPreview();
    m_artifacts->clear();
    m_previewPath.clear();
    m_image->setImage({});
    m_text->clear();
    m_artifactStatus->clear();
    m_tabs->setTabText(1, tr("Artifacts"));
    showArtifactMessage(m_feed->isAttached() ? tr("Reading artifacts…") : QString());
    showPreviewMessage(tr("Select a file to preview it."));
    updateArtifactActions();
}

void RunDetailPane::showArtifactMessage(const QString &html)
{
    m_artifactMessage->setText(html);
    m_artifactPages->setCurrentIndex(ArtifactMessagePage);
}

void RunDetailPane::showPreviewMessage(const QString &text)
{
    m_previewMessage->setText(text);
    m_previewPages->setCurrentIndex(PreviewMessagePage);
}

void RunDetailPane::refreshArtifacts()
{
    if (!m_runId.isEmpty() && m_feed->isAttached())
        m_feed->loadArtifacts(m_runId);
}

void RunDetailPane::onArtifactsLoaded(const QString &runId, const ArtifactListing &listing)
{
    if (runId != m_runId)
        return;
    const bool firstListing = m_artifacts->listing().entries.isEmpty();
    if (!(listing == m_artifacts->listing())) {
        // A new listing resets the tree: keep what the user had open and selected.
        const QString current = currentArtifactPath();
        QStringList expanded;
        for (const ArtifactEntry &entry : m_artifacts->listing().entries) {
            if (entry.isDir && m_artifactView->isExpanded(m_artifacts->indexOfPath(entry.path)))
                expanded.append(entry.path);
        }
        m_artifacts->setListing(listing);
        // Small trees (a logged model's folder, a few plots) open fully; big ones stay closed.
        if (firstListing && listing.entries.size() <= 30)
            m_artifactView->expandAll();
        for (const QString &path : std::as_const(expanded))
            m_artifactView->expand(m_artifacts->indexOfPath(path));
        const QModelIndex restored = m_artifacts->indexOfPath(current);
        if (restored.isValid())
            m_artifactView->setCurrentIndex(restored);
        else
            onCurrentArtifactChanged(QModelIndex());
    }

    const int files = m_artifacts->fileCount();
    m_tabs->setTabText(1, files > 0 ? tr("Artifacts (%1)").arg(files) : tr("Artifacts"));
    if (!listing.error.isEmpty()) {
        showArtifactMessage(tr("<p>Cannot list the artifacts of this run.</p><p>%1</p>")
                                .arg(listing.error.toHtmlEscaped()));
    } else if (listing.entries.isEmpty()) {
        showArtifactMessage(
            tr("<p>No artifacts logged for this run.</p><p>Log files from the run with "
               "<code>mlflow.log_artifact(\"plot.png\")</code>, or a whole folder with "
               "<code>mlflow.log_artifacts(\"outputs\")</code>.</p>"));
    } else {
        m_artifactPages->setCurrentIndex(ArtifactBrowserPage);
        qint64 total = 0;
        for (int row = 0; row < m_artifacts->rowCount(); ++row)
            total += m_artifacts->index(row, 0).data(ArtifactTreeModel::SizeRole).toLongLong();
        m_artifactStatus->setText(
            listing.truncated ? tr("Showing the first %L1 entries").arg(listing.entries.size())
                              : (files == 1 ? tr("1 file, %1") : tr("%L1 files, %2").arg(files))
                                    .arg(artifactSizeText(total)));
    }
    updateArtifactActions();
}

QString RunDetailPane::currentArtifactPath() const
{
    return m_artifactView->currentIndex().data(ArtifactTreeModel::PathRole).toString();
}

void RunDetailPane::onCurrentArtifactChanged(const QModelIndex &current)
{
    updateArtifactActions();
    m_feed->cancelPreview();
    m_previewPath.clear();
    m_image->setImage({});
    m_text->clear();
    if (!current.isValid()) {
        showPreviewMessage(tr("Select a file to preview it."));
        return;
    }
    const QString path = current.data(ArtifactTreeModel::PathRole).toString();
    if (current.data(ArtifactTreeModel::IsDirRole).toBool()) {
        showPreviewMessage(
            tr("Folder %1, %2")
                .arg(path,
                     artifactSizeText(current.data(ArtifactTreeModel::SizeRole).toLongLong())));
        return;
    }
    m_previewPath = QDir(m_artifacts->listing().directory).filePath(path);
    showPreviewMessage(tr("Loading preview…"));
    m_feed->loadPreview(m_runId, m_previewPath);
}

void RunDetailPane::onPreviewLoaded(const QString &runId, const QString &filePath,
                                    const ArtifactPreview &preview)
{
    if (runId != m_runId || filePath != m_previewPath)
        return;
    switch (preview.kind) {
    case ArtifactPreview::Kind::Image: {
        m_image->setImage(preview.image);
        QString info = tr("%1 image, %2 × %3, %4")
                           .arg(preview.format.toUpper())
                           .arg(preview.imageSize.width())
                           .arg(preview.imageSize.height())
                           .arg(artifactSizeText(preview.fileSize));
        if (preview.image.size() != preview.imageSize)
            info += QLatin1String(" ")
                    + tr("(previewed at %1 × %2)")
                          .arg(preview.image.width())
                          .arg(preview.image.height());
        m_imageInfo->setText(info);
        m_previewPages->setCurrentIndex(PreviewImagePage);
        break;
    }
    case ArtifactPreview::Kind::Text:
        m_text->setPlainText(preview.text);
        m_textNote->setText(tr("Showing the first %1 of %2. Open the file to see all of it.")
                                .arg(artifactSizeText(PreviewLimits().maxTextBytes),
                                     artifactSizeText(preview.fileSize)));
        m_textNote->setVisible(preview.truncated);
        m_previewPages->setCurrentIndex(PreviewTextPage);
        break;
    case ArtifactPreview::Kind::Empty:
        showPreviewMessage(tr("Empty file."));
        break;
    case ArtifactPreview::Kind::Binary:
    case ArtifactPreview::Kind::Failed:
        showPreviewMessage(preview.message);
        break;
    }
}

void RunDetailPane::onSparklinesLoaded(const QString &runId,
                                       const QHash<QString, MetricSparkline> &lines)
{
    m_metrics->setSparklines(runId, lines);
}

void RunDetailPane::updateArtifactActions()
{
    const ArtifactListing &listing = m_artifacts->listing();
    m_openButton->setEnabled(m_artifactView->currentIndex().isValid());
    m_folderButton->setEnabled(listing.exists && listing.error.isEmpty());
}

void RunDetailPane::openCurrentArtifact()
{
    const QString path = currentArtifactPath();
    if (!path.isEmpty())
        openPath(QDir(m_artifacts->listing().directory).filePath(path));
}

void RunDetailPane::showArtifactFolder()
{
    const ArtifactListing &listing = m_artifacts->listing();
    if (!listing.exists)
        return;
    const QModelIndex current = m_artifactView->currentIndex();
    QString path = current.data(ArtifactTreeModel::PathRole).toString();
    if (current.isValid() && !current.data(ArtifactTreeModel::IsDirRole).toBool())
        path = path.section(QLatin1Char('/'), 0, -2);
    openPath(path.isEmpty() ? listing.directory : QDir(listing.directory).filePath(path));
}

void RunDetailPane::openPath(const QString &path)
{
    // The desktop hands the URL to another process; nothing here waits for it.
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(path))) {
        qCWarning(lcUi).noquote() << "no application opened" << path;
        m_artifactStatus->setText(
            tr("No application could open %1").arg(QDir::toNativeSeparators(path)));
    }
}

QLabel *RunDetailPane::addField(int row, int column, const QString &label,
                                const QString &objectName)
{
    auto *name = new QLabel(label + QLatin1Char(':'));
    name->setForegroundRole(QPalette::PlaceholderText);
    auto *value = new QLabel;
    value->setObjectName(objectName);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setMinimumWidth(0);
    value->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_fields->addWidget(name, row, column);
    m_fields->addWidget(value, row, column + 1);
    return value;
}

QTableView *RunDetailPane::createTable(QAbstractItemModel *model, const QString &objectName)
{
    auto *view = new QTableView;
    view->setObjectName(objectName);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    view->setShowGrid(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setHighlightSections(false);
    // The key is fitted when a run is shown, a value takes the rest, a step what it needs.
    QHeaderView *header = view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(false);
    header->setSectionResizeMode(1, QHeaderView::Stretch);
    for (int column = 2; column < model->columnCount(); ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    return view;
}

void RunDetailPane::showRun(const tracking::Run *run, const QString &experimentName, qint64 nowMs)
{
    if (!run) {
        m_runId.clear();
        m_runState.clear();
        m_metricsStamp.clear();
        m_feed->clear();
        m_params->setRows({});
        m_metrics->setMetrics(QString(), {});
        m_tags->setRows({});
        clearArtifacts();
        m_pages->setCurrentIndex(0);
        return;
    }
    const tracking::RunInfo &info = run->info;
    const bool runChanged = info.runId != m_runId;
    if (runChanged) {
        // Whatever is still being read belongs to the run shown before.
        m_feed->clear();
        m_metricsStamp.clear();
        clearArtifacts();
    }
    m_runId = info.runId;
    QString name = info.runName.isEmpty() ? tr("(unnamed run)") : info.runName;
    if (info.lifecycleStage == tracking::LifecycleStage::Deleted)
        name += QLatin1Char(' ') + tr("(deleted)");
    m_name->setText(name);
    m_status->setText(QStringLiteral("<span style=\"color:%1\">\u25cf</span> %2")
                          .arg(RunTableModel::statusColour(info.status).name(),
                               RunTableModel::statusText(info.status).toHtmlEscaped()));
    m_id->setText(info.runId);
    m_experiment->setText(experimentName.isEmpty()
                              ? info.experimentId
                              : tr("%1 (id %2)").arg(experimentName, info.experimentId));
    m_started->setText(timeText(info.startTime));
    m_ended->setText(info.endTime
                         ? timeText(info.endTime)
                         : (info.status == tracking::RunStatus::Running ? tr("still running")
                                                                        : QStringLiteral("—")));
    if (info.startTime && (info.endTime || info.status == tracking::RunStatus::Running))
        m_duration->setText(
            RunTableModel::durationText(info.endTime.value_or(nowMs) - *info.startTime));
    else
        m_duration->setText(QStringLiteral("—"));
    m_user->setText(info.userId.isEmpty() ? QStringLiteral("—") : info.userId);
    m_artifactUri->setText(info.artifactUri);
    m_artifactUri->setToolTip(info.artifactUri);

    QList<KeyValueModel::Row> params;
    for (const tracking::KeyValue &item : run->params)
        params.append({item.key, item.value});
    QList<KeyValueModel::Row> tags;
    for (const tracking::KeyValue &item : run->tags)
        tags.append({item.key, item.value});
    m_params->setRows(params);
    m_metrics->setMetrics(info.runId, run->latestMetrics);
    m_tags->setRows(tags);
    m_paramsTitle->setText(tr("Params (%1)").arg(params.size()));
    m_metricsTitle->setText(tr("Metrics (%1)").arg(run->latestMetrics.size()));
    m_tagsTitle->setText(tr("Tags (%1)").arg(tags.size()));
    m_pages->setCurrentIndex(1);

    // The panel reloads its runs about every second while a run logs: read the histories again
    // only when a latest step, time or value moved, so an idle run costs nothing.
    QStringList metricsStamp;
    QStringList keys;
    for (const tracking::MetricPoint &point : run->latestMetrics) {
        keys.append(point.key);
        metricsStamp.append(QStringLiteral("%1 %2 %3 %4")
                                .arg(point.key)
                                .arg(point.step)
                                .arg(point.timestamp)
                                .arg(point.value, 0, 'g', 17));
    }
    if (m_feed->isAttached() && metricsStamp != m_metricsStamp) {
        m_metricsStamp = metricsStamp;
        if (!keys.isEmpty())
            m_feed->loadSparklines(info.runId, keys);
    }
    // Artifacts usually arrive as a run ends: list them again when its state changes.
    const QString runState =
        QStringLiteral("%1 %2").arg(int(info.status)).arg(info.endTime.value_or(-1));
    if (m_feed->isAttached() && (runChanged || runState != m_runState))
        refreshArtifacts();
    m_runState = runState;

    // Keys take the room they need, up to half the table.
    for (QTableView *table : std::as_const(m_tables)) {
        table->resizeColumnToContents(0);
        table->setColumnWidth(
            0, qMin(table->columnWidth(0) + 12, qMax(80, table->viewport()->width() / 2)));
    }
}

} // namespace millrace::ui
