#include "ui/panels/jobs/gridview.h"

#include "ui/panels/jobs/gridmodel.h"
#include "ui/panels/jobs/runbarheader.h"
#include "ui/panels/jobs/statestyle.h"

#include <QPainter>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTimer>

namespace millrace::ui {

namespace {

constexpr int kCellSize = 20;
constexpr int kSquareSize = 14;

// The square of a cell, centred.
QRect squareIn(const QRect &cell)
{
    return QRect(cell.center().x() - kSquareSize / 2 + 1, cell.center().y() - kSquareSize / 2 + 1,
                 kSquareSize, kSquareSize);
}

// Paints each cell as a square in its task state's colour; the current cell gets a ring in the
// palette's highlight colour.
class SquareDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        const QVariant state = index.data(GridModel::TaskStateRole);
        std::optional<scheduler::TaskState> shown;
        if (state.isValid())
            shown = scheduler::TaskState(state.toInt());
        const QRect square = squareIn(option.rect);
        paintStateSquare(painter, square, shown, option.palette);
        if (option.state & QStyle::State_Selected) {
            painter->save();
            painter->setRenderHint(QPainter::Antialiasing);
            painter->setPen(QPen(option.palette.color(QPalette::Highlight), 2));
            painter->setBrush(Qt::NoBrush);
            painter->drawRoundedRect(QRectF(square).adjusted(-2.5, -2.5, 2.5, 2.5), 4, 4);
            painter->restore();
        }
    }

    QSize sizeHint(const QStyleOptionViewItem &, const QModelIndex &) const override
    {
        return QSize(kCellSize, kCellSize);
    }
};

} // namespace

GridView::GridView(QWidget *parent) : QTableView(parent), m_header(new RunBarHeader(this))
{
    setHorizontalHeader(m_header);
    setItemDelegate(new SquareDelegate(this));
    setShowGrid(false);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setSelectionBehavior(QAbstractItemView::SelectItems);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setMouseTracking(true);
    m_header->setDefaultSectionSize(kCellSize);
    m_header->setMinimumSectionSize(kCellSize);
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(kCellSize + 2);
    verticalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    verticalHeader()->setSectionsClickable(false);
    verticalHeader()->setHighlightSections(true);
    connect(this, &QAbstractItemView::clicked, this, [this](const QModelIndex &index) {
        if (!m_model || !index.isValid())
            return;
        const scheduler::DagRunRecord *run = m_model->runAt(index.column());
        if (!run)
            return;
        m_runRow = run->row;
        m_header->setHighlightedSection(index.column());
        Q_EMIT instanceClicked(run->row, m_model->taskAt(index.row()));
    });
    connect(m_header, &QHeaderView::sectionClicked, this, [this](int section) {
        const scheduler::DagRunRecord *run = m_model ? m_model->runAt(section) : nullptr;
        if (!run)
            return;
        m_runRow = run->row;
        m_header->setHighlightedSection(section);
        Q_EMIT runClicked(run->row);
    });
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { m_followNewest = value >= horizontalScrollBar()->maximum(); });
    // The range grows after the columns arrive: stay at the right edge while following.
    connect(horizontalScrollBar(), &QScrollBar::rangeChanged, this,
            [this] { keepNewestInSight(); });
}

void GridView::setGridModel(GridModel *model)
{
    m_model = model;
    setModel(model);
    const auto follow = [this] {
        // Columns moved: the run shown keeps its tint wherever it now is.
        m_header->setHighlightedSection(m_model->columnOfRun(m_runRow));
        keepNewestInSight();
    };
    connect(model, &QAbstractItemModel::columnsInserted, this, follow);
    connect(model, &QAbstractItemModel::columnsRemoved, this, follow);
    connect(model, &QAbstractItemModel::columnsMoved, this, follow);
    connect(model, &QAbstractItemModel::modelReset, this, follow);
    connect(model, &QAbstractItemModel::headerDataChanged, m_header->viewport(),
            qOverload<>(&QWidget::update));
}

void GridView::showInstance(qint64 runRow, const QString &taskId)
{
    m_runRow = runRow;
    if (!m_model)
        return;
    const int column = m_model->columnOfRun(runRow);
    m_header->setHighlightedSection(column);
    const int row = m_model->rowOfTask(taskId);
    if (column < 0 || row < 0) {
        selectionModel()->clearSelection();
        return;
    }
    const QModelIndex index = m_model->index(row, column);
    if (currentIndex() != index)
        selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    else if (!selectionModel()->isSelected(index))
        selectionModel()->select(index, QItemSelectionModel::ClearAndSelect);
}

QRect GridView::squareRect(qint64 runRow, const QString &taskId) const
{
    if (!m_model)
        return {};
    const int column = m_model->columnOfRun(runRow);
    const int row = m_model->rowOfTask(taskId);
    if (column < 0 || row < 0)
        return {};
    return squareIn(visualRect(m_model->index(row, column)));
}

void GridView::keepNewestInSight()
{
    if (m_followNewest)
        horizontalScrollBar()->setValue(horizontalScrollBar()->maximum());
}

} // namespace millrace::ui
