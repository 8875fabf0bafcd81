#include "ui/logdock/logdock.h"

#include "core/base/logbus.h"
#include "ui/logdock/logfiltermodel.h"
#include "ui/logdock/logmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace millrace::ui {

LogDock::LogDock(QWidget *parent)
    : QDockWidget(tr("Log"), parent), m_model(new LogModel(10000, this)),
      m_filter(new LogFilterModel(this)), m_view(new QTableView)
{
    setObjectName(QStringLiteral("logDock"));
    m_filter->setSourceModel(m_model);

    auto *level = new QComboBox;
    level->setObjectName(QStringLiteral("logLevel"));
    level->addItem(tr("Debug and above"), int(QtDebugMsg));
    level->addItem(tr("Info and above"), int(QtInfoMsg));
    level->addItem(tr("Warnings and errors"), int(QtWarningMsg));
    level->addItem(tr("Errors only"), int(QtCriticalMsg));
    level->setCurrentIndex(1);
    m_filter->setMinimumLevel(QtInfoMsg);
    connect(level, &QComboBox::currentIndexChanged, this,
            [this, level] { m_filter->setMinimumLevel(QtMsgType(level->currentData().toInt())); });

    auto *text = new QLineEdit;
    text->setObjectName(QStringLiteral("logFilter"));
    text->setPlaceholderText(tr("Filter by category or message"));
    text->setClearButtonEnabled(true);
    connect(text, &QLineEdit::textChanged, m_filter, &LogFilterModel::setText);

    auto *clear = new QToolButton;
    clear->setText(tr("Clear"));
    connect(clear, &QToolButton::clicked, m_model, &LogModel::clear);

    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 4);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setColumnWidth(LogModel::TimeColumn, m_view->fontMetrics().horizontalAdvance(
                                                     QStringLiteral("00:00:00.000__")));
    m_view->setColumnWidth(LogModel::LevelColumn,
                           m_view->fontMetrics().horizontalAdvance(QStringLiteral("warning____"))
                               + 16);
    m_view->setColumnWidth(LogModel::CategoryColumn, m_view->fontMetrics().horizontalAdvance(
                                                         QStringLiteral("millrace.workspace____")));

    // Keep following new rows only while the user is at the bottom.
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        QScrollBar *bar = m_view->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            m_view->scrollToBottom();
    });

    auto *controls = new QHBoxLayout;
    controls->setContentsMargins(0, 0, 0, 0);
    controls->addWidget(level);
    controls->addWidget(text, 1);
    controls->addWidget(clear);

    auto *body = new QWidget;
    auto *layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_view);
    setWidget(body);
}

void LogDock::follow(LogBus *bus)
{
    const QList<LogEntry> backlog = bus->backlog();
    if (!backlog.isEmpty())
        m_backlogEnd = backlog.constLast().sequence;
    m_model->appendAll(backlog);
    // Entries of the backlog may still be on their way as signals; show each once.
    connect(bus, &LogBus::entryLogged, this, [this](const LogEntry &entry) {
        if (entry.sequence > m_backlogEnd)
            m_model->append(entry);
    });
}

} // namespace millrace::ui
