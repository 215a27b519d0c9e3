package io.github.pulsarwasm.jvmruntimes;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws chart.png (one log-scale panel per workload, one bar per runtime) and writes a Markdown
 * table from JMH CSV results, headless (java.awt + ImageIO).
 * Usage: Chart OUT.png OUT.md results.csv [fresh-jvm.csv]
 */
public final class Chart {
    record Row(String workload, String runtime, double score, double error, String unit) { }

    static final String[] RUNTIMES = {"PULSAR_WASM", "PULSAR_WASM_PRECOMPILED", "CHICORY_INTERPRETER", "CHICORY_COMPILER", "GRAALWASM",
        "GRAALWASM_INTERPRETER"};
    static final String[] LABELS = {"pulsar-wasm", "pulsar-wasm precompiled", "Chicory interp.", "Chicory compiler", "GraalWasm (JIT)",
        "GraalWasm interp."};
    static final Color[] COLORS = {new Color(0xD62728), new Color(0xFF9896), new Color(0x9ECAE1), new Color(0x1F77B4), new Color(0x2CA02C),
        new Color(0xA1D99B)};

    static final Map<String, String> TITLES = Map.of(
            "TRIVIAL", "1. trivial call (x+1)",
            "COLLATZ", "2a. Collatz(27), C guest",
            "FIB", "2b. recursive fib(25)",
            "MEMORY", "3. fill+sum 64 KiB x16",
            "BIG cold start", "4. cold start, 215 KB");

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<Row>> panels = new LinkedHashMap<>();
        read(Path.of(args[2]), "", panels);
        if (args.length > 3 && Files.exists(Path.of(args[3]))) {
            read(Path.of(args[3]), " (fresh JVM)", panels);
        }
        writeTable(panels, Path.of(args[1]));
        draw(panels, new File(args[0]));
    }

    static void read(Path csv, String suffix, Map<String, List<Row>> panels) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> head = split(lines.get(0));
        int score = head.indexOf("Score"), err = head.indexOf("Score Error (99.9%)"), unit = head.indexOf("Unit");
        int rt = head.indexOf("Param: runtime"), wl = head.indexOf("Param: workload"), bench = head.indexOf("Benchmark");
        for (String line : lines.subList(1, lines.size())) {
            List<String> c = split(line);
            String workload = wl >= 0 && !c.get(wl).isEmpty() ? c.get(wl)
                    : c.get(bench).contains("ColdStart") ? "BIG cold start" : "?";
            if (workload.equals("BIG")) {
                workload = "BIG cold start";
            }
            double e = parse(c.get(err));
            workload = TITLES.getOrDefault(workload, workload);
            panels.computeIfAbsent(workload + suffix, k -> new ArrayList<>())
                    .add(new Row(workload + suffix, c.get(rt), parse(c.get(score)), e, c.get(unit)));
        }
    }

    static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : line.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }

    static Row find(List<Row> rows, String runtime) {
        return rows.stream().filter(r -> r.runtime().equals(runtime)).findFirst().orElse(null);
    }

    /** A time in the row's unit (ns/op or ms/op) shown in the largest fitting unit: 834 µs, 1.43 s. */
    static String human(double v, String unit) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double ns = unit.startsWith("ms") ? v * 1e6 : unit.startsWith("us") ? v * 1e3 : v;
        if (ns < 1e3) {
            return num(ns) + " ns";
        }
        if (ns < 1e6) {
            return num(ns / 1e3) + " µs";
        }
        if (ns < 1e9) {
            return num(ns / 1e6) + " ms";
        }
        return num(ns / 1e9) + " s";
    }

    static String num(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static void writeTable(Map<String, List<Row>> panels, Path md) throws IOException {
        StringBuilder sb = new StringBuilder("| workload |");
        for (String l : LABELS) {
            sb.append(' ').append(l).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---:|".repeat(LABELS.length)).append('\n');
        for (var e : panels.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            for (String r : RUNTIMES) {
                Row row = find(e.getValue(), r);
                sb.append(' ').append(row == null ? "-" : human(row.score(), row.unit())
                        + (Double.isNaN(row.error()) ? "" : " ± " + human(row.error(), row.unit()))).append(" |");
            }
            sb.append('\n');
        }
        Files.writeString(md, sb.toString());
        System.out.print(sb);
    }

    static void draw(Map<String, List<Row>> panels, File png) throws IOException {
        int cols = 3, rows = (panels.size() + cols - 1) / cols;
        int pw = 520, ph = 400, top = 70;
        int w = cols * pw, h = top + rows * ph;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("Same .wasm bytes, five JVM WebAssembly runtimes (JMH, lower is better, log scale)", 20, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int lx = 20;
        for (int i = 0; i < LABELS.length; i++) {
            g.setColor(COLORS[i]);
            g.fillRect(lx, 42, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(LABELS[i], lx + 19, 54);
            lx += g.getFontMetrics().stringWidth(LABELS[i]) + 45;
        }
        int i = 0;
        for (var e : panels.entrySet()) {
            int x0 = (i % cols) * pw, y0 = top + (i / cols) * ph;
            panel(g, e.getKey(), e.getValue(), x0, y0, pw, ph);
            i++;
        }
        g.dispose();
        ImageIO.write(img, "png", png);
    }

    static void panel(Graphics2D g, String title, List<Row> rows, int x0, int y0, int pw, int ph) {
        int left = x0 + 70, right = x0 + pw - 15, top = y0 + 40, bottom = y0 + ph - 45;
        double min = Double.MAX_VALUE, max = 0;
        for (Row r : rows) {
            if (r.score() > 0) {
                min = Math.min(min, r.score());
                max = Math.max(max, r.score());
            }
        }
        double lo = Math.floor(Math.log10(min) - 0.3), hi = Math.ceil(Math.log10(max) + 0.15);
        if (hi <= lo) {
            hi = lo + 1;
        }
        String unit = rows.get(0).unit();
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title + (unit.startsWith("ms") ? "  (time per cold start)" : "  (time per call)"),
                x0 + 20, y0 + 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (double d = lo; d <= hi; d++) {
            int y = (int) (bottom - (d - lo) / (hi - lo) * (bottom - top));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String lab = human(Math.pow(10, d), unit);
            g.drawString(lab, left - 6 - fm.stringWidth(lab), y + 4);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        int n = RUNTIMES.length, slot = (right - left) / n, bw = (int) (slot * 0.66);
        for (int k = 0; k < n; k++) {
            Row r = find(rows, RUNTIMES[k]);
            int bx = left + k * slot + (slot - bw) / 2;
            g.setColor(Color.DARK_GRAY);
            String lab = LABELS[k].replace(" (JIT)", "").replace("GraalWasm interp.", "Graal interp.")
                    .replace("Chicory ", "Ch. ").replace("pulsar-wasm precompiled", "precompiled");
            g.drawString(lab, bx + bw / 2 - fm.stringWidth(lab) / 2, bottom + 16);
            if (r == null || !(r.score() > 0)) {
                g.drawString("n/a", bx + bw / 2 - fm.stringWidth("n/a") / 2, bottom - 6);
                continue;
            }
            int y = (int) (bottom - (Math.log10(r.score()) - lo) / (hi - lo) * (bottom - top));
            g.setColor(COLORS[k]);
            g.fillRect(bx, y, bw, bottom - y);
            if (r.error() > 0 && r.error() < r.score()) {
                int ya = (int) (bottom - (Math.log10(r.score() + r.error()) - lo) / (hi - lo) * (bottom - top));
                int yb = (int) (bottom - (Math.log10(r.score() - r.error()) - lo) / (hi - lo) * (bottom - top));
                g.setColor(Color.BLACK);
                g.drawLine(bx + bw / 2, ya, bx + bw / 2, Math.min(yb, bottom));
            }
            g.setColor(Color.BLACK);
            String v = human(r.score(), unit);
            g.drawString(v, bx + bw / 2 - fm.stringWidth(v) / 2, y - 5);
        }
    }
}
