#include "core/training/confusionsvg.h"

#include <QStringList>

#include <algorithm>

namespace millrace::training {

QString confusionMatrixSvg(const std::vector<std::vector<std::int64_t>> &confusion,
                           const std::vector<std::string> &classNames)
{
    const int classes = int(confusion.size());
    constexpr int kCell = 44;
    constexpr int kLabelWidth = 110;
    constexpr int kTop = 110;
    const int width = kLabelWidth + classes * kCell + 20;
    const int height = kTop + classes * kCell + 40;
    auto name = [&](int index) {
        QString text = index < int(classNames.size()) ? QString::fromStdString(classNames[index])
                                                      : QString::number(index);
        return text.toHtmlEscaped();
    };

    QStringList svg;
    svg << QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" "
                          "font-family=\"sans-serif\" font-size=\"11\">")
               .arg(width)
               .arg(height);
    svg << QStringLiteral("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    svg << QStringLiteral("<text x=\"%1\" y=\"16\" font-size=\"13\" font-weight=\"bold\">"
                          "Confusion matrix (rows: true class, columns: predicted)</text>")
               .arg(8);
    for (int column = 0; column < classes; ++column) {
        const int x = kLabelWidth + column * kCell + kCell / 2;
        svg << QStringLiteral("<text transform=\"translate(%1,%2) rotate(-55)\">%3</text>")
                   .arg(x)
                   .arg(kTop - 6)
                   .arg(name(column));
    }
    for (int row = 0; row < classes; ++row) {
        const int y = kTop + row * kCell;
        svg << QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"end\">%3</text>")
                   .arg(kLabelWidth - 6)
                   .arg(y + kCell / 2 + 4)
                   .arg(name(row));
        std::int64_t rowTotal = 0;
        for (std::int64_t count : confusion[row])
            rowTotal += count;
        for (int column = 0; column < classes; ++column) {
            const std::int64_t count =
                column < int(confusion[row].size()) ? confusion[row][column] : 0;
            const double share = rowTotal > 0 ? double(count) / double(rowTotal) : 0;
            // Correct predictions in blue, mistakes in red, darker for a larger share.
            const int tone = 255 - int(std::clamp(share, 0.0, 1.0) * 200);
            const QString fill = row == column
                                     ? QStringLiteral("rgb(%1,%2,255)").arg(tone).arg(tone)
                                     : QStringLiteral("rgb(255,%1,%2)").arg(tone).arg(tone);
            svg << QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%3\" "
                                  "fill=\"%4\" stroke=\"#ccc\"/>")
                       .arg(kLabelWidth + column * kCell)
                       .arg(y)
                       .arg(kCell)
                       .arg(fill);
            svg << QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"middle\" fill=\"%3\">"
                                  "%4</text>")
                       .arg(kLabelWidth + column * kCell + kCell / 2)
                       .arg(y + kCell / 2 + 4)
                       .arg(share > 0.6 ? QStringLiteral("white") : QStringLiteral("black"))
                       .arg(count);
        }
    }
    svg << QStringLiteral("</svg>");
    return svg.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace millrace::training
