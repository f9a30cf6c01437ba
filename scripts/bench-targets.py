#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""How a `make bench` run compares with the benchmarks' targets: goals,
not tests.  scripts/bench prints it under each benchmark's table.

  bench-targets.py page CSV       the page allocator (page_alloc.csv)
  bench-targets.py slab CSV TXT   the slab allocator (slab.csv; TXT, the
                                  guest's table, says whether slab_debug
                                  was on)
  bench-targets.py policy CSV     the replacement policy (policy.csv)
  bench-targets.py reclaim CSV    reclaim against the kernel's own
                                  (reclaim.csv)
  bench-targets.py regions CSV    scaling with the region (regions.csv)
  bench-targets.py fault_sizes CSV  first touch at 4 KiB, 64 KiB and 2 MiB
                                  pages against anonymous memory
                                  (fault_sizes.csv)
  bench-targets.py compaction CSV order-9 blocks before and after
                                  compaction, pages migrated/s
                                  (compaction.csv)

Every verdict is taken on the medians; the spread over the repeats is
printed beside them, "median (min-max)": for a ratio of the page and
slab benchmarks, the lowest and highest shadowmm/kernel of one repeat
(both sides timed back to back), for policy the fewest and most refaults
over the replays, for reclaim the lowest and highest of each side over
the repeats.  CSVs from before the spread was recorded (no min/max
columns) are still read, with the medians alone.
"""

import csv
import sys


ALLOC_COLUMNS = ('case', 'param', 'kernel_ns', 'shadowmm_ns', 'ratio')
ALLOC_SPREAD = ('kernel_min_ns', 'kernel_max_ns', 'shadowmm_min_ns', 'shadowmm_max_ns',
                'ratio_min', 'ratio_max')
POLICY_COLUMNS = ('case', 'pattern', 'hot_accesses', 'shadowmm_hot_refaults',
                  'opt_hot_misses', 'lru_hot_misses', 'fifo_hot_misses', 'smm_over_opt',
                  'fifo_over_opt')
RECLAIM_COLUMNS = ('case', 'side', 'evicted_per_s', 'ft_p99_ns', 'bytes_bad')
RECLAIM_SPREAD = ('repeats', 'evicted_per_s_min', 'evicted_per_s_max', 'ft_p99_min_ns',
                  'ft_p99_max_ns')
POLICY_SPREAD = ('replays', 'shadowmm_refaults_min', 'shadowmm_refaults_max',
                 'shadowmm_hot_refaults_min', 'shadowmm_hot_refaults_max')


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(csv_path, columns, spread):
    """The rows of @csv_path; refuses a CSV without @columns, and says when
    it has no @spread columns (written before the spread was recorded)."""
    with open(csv_path) as f:
        reader = csv.DictReader(f)
        have = reader.fieldnames or []
        missing = [c for c in columns if c not in have]
        if missing:
            sys.exit(f'bench-targets: {csv_path}: not a benchmark CSV of this kind: '
                     f'no column {", ".join(missing)}')
        rows = list(reader)
    if not all(c in have for c in spread):
        print('  note:   this CSV has no min/max columns (written before the spread was')
        print('          recorded): medians only')
    return rows


def spread(r, lo, hi, fmt='{:.3f}'):
    """" (min-max)" of row @r's columns @lo and @hi, or nothing."""
    a, b = num(r.get(lo)), num(r.get(hi))
    if a is None or b is None:
        return ''
    return f' ({fmt.format(a)}-{fmt.format(b)})'


def ratios(rows, case):
    """(param, ratio, row) of the rows of @case, then the params shadowmm skipped."""
    got = [(int(r['param']), num(r['ratio']), r) for r in rows if r['case'] == case]
    return [g for g in got if g[1] is not None], [g[0] for g in got if g[1] is None]


def ratio_spread(r):
    """A ratio's median with its spread over the repeats, "0.704 (0.690-0.720)",
    and each side's median (min-max) in ns."""
    sides = ', '.join(f'{side} {r[side + "_ns"]}'
                      f'{spread(r, side + "_min_ns", side + "_max_ns", "{:.1f}")} ns'
                      for side in ('shadowmm', 'kernel'))
    return f'{num(r["ratio"]):.3f}{spread(r, "ratio_min", "ratio_max")} [{sides}]'


def verdict(ok):
    return 'met   ' if ok else 'MISSED'


def page(csv_path):
    rows = load(csv_path, ALLOC_COLUMNS, ALLOC_SPREAD)

    def worst(case, limit, what):
        got, skipped = ratios(rows, case)
        if not got:
            print(f'  n/a     {what}: no figures')
            return
        p, v, r = max(got, key=lambda g: g[1])
        over = [q for q, w, _ in got if w > limit]
        note = f'worst {ratio_spread(r)} at {p}'
        if over:
            note += f', {len(over)} of {len(got)} over: {", ".join(map(str, over))}; ' \
                    f'{(v / limit - 1) * 100:.0f} % above the target at worst'
        if skipped:
            note += f'; skipped (shadowmm ran dry): {", ".join(map(str, skipped))}'
        print(f'  {verdict(not over)}  {what} <= {limit}: {note}')

    got, _ = ratios(rows, 'pair')
    if got:
        v = got[0][1]
        miss = '' if v <= 0.8 else f', {(v / 0.8 - 1) * 100:.0f} % above the target'
        print(f'  {verdict(v <= 0.8)}  order-0 pair shadowmm/kernel <= 0.8: '
              f'{ratio_spread(got[0][2])}{miss}')
    worst('batch', 1.0, 'every batch size N shadowmm/kernel')
    worst('order', 1.0, 'every order, one block at a time, shadowmm/kernel')
    worst('order_many', 1.0, 'every order, many blocks at once, shadowmm/kernel')
    for case in ('smp_pair', 'smp_batch'):
        one = {r['param']: r for r in rows if r['case'] == case}
        if '1' not in one or '2' not in one:
            continue
        parts, scale = [], {}
        for side, col in (('kernel', 'kernel_ns'), ('shadowmm', 'shadowmm_ns')):
            a, b = num(one['1'][col]), num(one['2'][col])
            if a is None or not b:
                parts.append(f'{side} skipped')
                continue
            scale[side] = a / b
            parts.append(f'{side} {a / b:.2f}x')
        if len(scale) < 2:
            print(f'  n/a     {case}: 2 CPUs vs 1: {", ".join(parts)}')
        else:
            # The target as set: 1.8x where the kernel's own loop reaches
            # it in the same run, and never below the kernel's scaling.
            s, k = scale['shadowmm'], scale['kernel']
            ok = s >= k and (s >= 1.8 or k < 1.8)
            why = '' if k >= 1.8 else '; the kernel stayed under 1.8x, so its own is the bar'
            print(f'  {verdict(ok)}  {case}: shadowmm on 2 CPUs >= 1.8x one CPU where the kernel '
                  f'reaches it, and never below the kernel: {", ".join(parts)}{why}')
        # The kernel's own pair loop is the control: it shares nothing
        # between CPUs, so well under 2x means the host was busy.
        if case == 'smp_pair' and 'kernel' in scale and scale['kernel'] < 1.5:
            print(f'  note:   the kernel itself scaled only {scale["kernel"]:.2f}x: the host did not give the')
            print(f'          VM two CPUs of its own, so cross_cpu and smp_* mean little; re-run on an idle host')


def slab(csv_path, txt_path):
    rows = load(csv_path, ALLOC_COLUMNS, ALLOC_SPREAD)
    if '(debugging on)' in open(txt_path).read():
        print('  note:   shadowmm ran with slab_debug set: the figures are the cost of debugging,')
        print('          the targets are for debugging off')

    def worst(case, limit, what, target=True):
        got, skipped = ratios(rows, case)
        if not got:
            print(f'  n/a     {what}: no figures')
            return
        p, v, r = max(got, key=lambda g: g[1])
        over = [q for q, w, _ in got if w > limit]
        note = f'worst {ratio_spread(r)} at {p}'
        if over:
            note += f', {len(over)} of {len(got)} over: {", ".join(map(str, over))}; ' \
                    f'{(v / limit - 1) * 100:.0f} % above at worst'
        if skipped:
            note += f'; skipped: {", ".join(map(str, skipped))}'
        if target:
            print(f'  {verdict(not over)}  {what} <= {limit}: {note}')
        else:
            print(f'  info    {what}: {note}')

    worst('pair', 1.0, 'alloc+free pair, every object size, shadowmm/SLUB')
    worst('kmalloc', 1.0, 'kmalloc+kfree, every size class, shadowmm/SLUB')
    worst('alloc10k', 1.0, 'alloc 10000 then free them, shadowmm/SLUB (no target)', False)
    worst('bulk', 1.0, 'bulk alloc+free, every batch size, shadowmm/SLUB')
    worst('cross_cpu', 1.0, 'alloc on one CPU, free on another, shadowmm/SLUB (no target)', False)
    worst('pair_debug', 1.0, 'pair, every debugging flag on both sides, shadowmm/SLUB (no target)', False)
    worst('alloc10k_debug', 1.0, 'alloc10k, every debugging flag on both sides, shadowmm/SLUB (no target)',
          False)

    # The cost of debugging: shadowmm's debug cache against its plain one.
    for case in ('pair', 'alloc10k'):
        plain = {r['param']: num(r['shadowmm_ns']) for r in rows if r['case'] == case}
        dbg = {r['param']: num(r['shadowmm_ns']) for r in rows if r['case'] == case + '_debug'}
        parts = [f'{p}: {dbg[p] / plain[p]:.2f}x' for p in dbg
                 if dbg[p] is not None and plain.get(p)]
        if parts:
            print(f'  info    debugging on, {case}, shadowmm debug/plain: {", ".join(parts)}')


def policy(csv_path):
    """Per trace, every policy's refaults; a target is met when at least
    one policy meets it (the policies are alternatives, not a chain)."""
    rows = [r for r in load(csv_path, POLICY_COLUMNS, POLICY_SPREAD)
            if r['case'] == 'policy' and r.get('shadowmm_refaults')]
    traces = []
    for r in rows:
        if r['pattern'] not in traces:
            traces.append(r['pattern'])
    for t in traces:
        runs = [r for r in rows if r['pattern'] == t]
        first = runs[0]
        acc = int(first['hot_accesses']) if first['hot_accesses'] else 0
        if not acc:
            continue
        parts, best = [], None
        for r in runs:
            ref = int(r['shadowmm_hot_refaults'])
            pct = 100.0 * ref / acc
            lo, hi = num(r.get('shadowmm_hot_refaults_min')), num(r.get('shadowmm_hot_refaults_max'))
            how = f'{pct:.2f} %'
            if lo is not None and hi is not None:
                how += f' ({100.0 * lo / acc:.2f}-{100.0 * hi / acc:.2f})'
            parts.append(f'{r.get("policy") or "shadowmm"} {how}')
            best = pct if best is None else min(best, pct)
        print(f'  {verdict(best < 5)}  {t}: hot-set refaults < 5 % of its {acc} accesses '
              f'under at least one policy (medians of {first["replays"]} replays): '
              f'{", ".join(parts)}; OPT {first["opt_hot_misses"]}, '
              f'LRU {first["lru_hot_misses"]}, FIFO {first["fifo_hot_misses"]} misses')
    for t in traces:
        runs = [r for r in rows if r['pattern'] == t]
        first = runs[0]
        fifo, lru, opt = (int(first[c]) for c in ('fifo_misses', 'lru_misses', 'opt_misses'))
        best = min(runs, key=lambda r: int(r['shadowmm_refaults']))
        ok = int(best['shadowmm_refaults']) <= min(fifo, lru)
        print(f'  {verdict(ok)}  {t}: best policy ({best.get("policy") or "shadowmm"}, '
              f'{best["shadowmm_refaults"]} refaults) no more than FIFO ({fifo}) and LRU ({lru})')
        parts = []
        for r in runs:
            lo, hi = num(r.get('shadowmm_refaults_min')), num(r.get('shadowmm_refaults_max'))
            extra = f' ({lo / opt:.2f}-{hi / opt:.2f})' if lo is not None and hi is not None and opt else ''
            parts.append(f'{r.get("policy") or "shadowmm"} {r["smm_over_opt"]}{extra}')
        print(f'  info    {t}: refaults/OPT {", ".join(parts)}; FIFO {fifo / opt:.2f}, '
              f'LRU {lru / opt:.2f}' if opt else f'  info    {t}: OPT has no miss')


def reclaim(csv_path):
    """shadowmm's reclaim against the kernel's (anonymous memory in a memory
    cgroup, swapping to zswap with the same compressor): eviction throughput
    and first-touch latency under pressure."""
    rows = {r['side']: r for r in load(csv_path, RECLAIM_COLUMNS, RECLAIM_SPREAD)
            if r['case'] == 'reclaim'}
    if 'kernel' not in rows or 'shadowmm' not in rows:
        print('  n/a     reclaim: needs both sides\' rows (kernel and shadowmm)')
        return
    k, s = rows['kernel'], rows['shadowmm']

    def side(r, col, unit, scale=1):
        """Row @r's median of @col with its min-max over the repeats."""
        base = col[:-3] if col.endswith('_ns') else col
        tail = '_ns' if col.endswith('_ns') else ''
        lo, hi = num(r.get(base + '_min' + tail)), num(r.get(base + '_max' + tail))
        extra = f' ({lo / scale:.0f}-{hi / scale:.0f})' if lo is not None and hi is not None else ''
        return f'{num(r[col]) / scale:.0f}{extra}{unit}'

    ke, se = num(k['evicted_per_s']), num(s['evicted_per_s'])
    if not ke:
        print('  n/a     shadowmm pages evicted/s >= 1.0x the kernel\'s: the kernel evicted nothing')
    else:
        print(f'  {verdict(se >= ke)}  shadowmm pages evicted/s >= 1.0x the kernel\'s: '
              f'{se / ke:.2f}x [shadowmm {side(s, "evicted_per_s", "/s")}, '
              f'kernel {side(k, "evicted_per_s", "/s")}]')
    kp, sp = num(k['ft_p99_ns']), num(s['ft_p99_ns'])
    print(f'  {verdict(sp <= kp)}  first-touch p99 no worse than the kernel\'s: '
          f'{sp / kp if kp else 0:.2f}x [shadowmm {side(s, "ft_p99_ns", " us", 1000)}, '
          f'kernel {side(k, "ft_p99_ns", " us", 1000)}]')
    # A few long stalls can cost more time than the p99 shows.
    for col, what in (('ft_max_ns', 'first-touch max'),
                      ('seq_refault_p99_ns', 'refault p99 in order'),
                      ('rand_refault_p99_ns', 'refault p99 in random order')):
        a, b = num(s.get(col)), num(k.get(col))
        if a is not None and b:
            print(f'  info    {what}: shadowmm {a / 1000:.0f} us, kernel {b / 1000:.0f} us '
                  f'({a / b:.2f}x)')
    bad = sum(int(r['bytes_bad'] or 0) for r in (k, s))
    print(f'  {verdict(not bad)}  data integrity: {"every byte read back right" if not bad else f"{bad} bytes wrong"}')


REGION_COLUMNS = ('case', 'size_mb', 'frames', 'repeats', 'metadata_bytes',
                  'load_ns_per_page', 'unload_ns_per_page', 'validate_ns_per_page',
                  'validate_full_ns_per_page', 'touch_ns_per_page', 'reclaim_ns_per_page')

# (what, unit, column of the median cost per page, prefix of its min/max)
REGION_METRICS = (
    ('load (insmod)', 'ns/frame', 'load_ns_per_page', 'load'),
    ('unload (rmmod)', 'ns/frame', 'unload_ns_per_page', 'unload'),
    ('validate, idle region', 'ns/frame', 'validate_ns_per_page', 'validate'),
    ('validate, full region', 'ns/frame', 'validate_full_ns_per_page', 'validate_full'),
    ('first-touch write fault', 'ns/fault', 'touch_ns_per_page', 'touch'),
    ('reclaim while writing past the region', 'ns/evicted page', 'reclaim_ns_per_page',
     'reclaim'),
    ('metadata', 'bytes/frame', None, None),
)


def region_points(rows, col):
    """(size_mb, frames, cost per page, min, max) of every size with a figure."""
    pts = []
    for r in rows:
        n = num(r['frames'])
        if col is None:
            m = num(r['metadata_bytes'])
            v = lo = hi = m / n if m is not None and n else None
        else:
            pre = col[:-len('_ns_per_page')]
            v, lo, hi = num(r[col]), num(r.get(pre + '_min')), num(r.get(pre + '_max'))
        if v is not None and v > 0:
            pts.append((int(r['size_mb']), n, v, lo if lo is not None else v,
                        hi if hi is not None else v))
    return pts


def fixed_plus_linear(pts):
    """Least squares of the total (cost per page x frames) = fixed + b x frames."""
    xs = [p[1] for p in pts]
    ys = [p[2] * p[1] for p in pts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if not sxx:
        return None
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def regions(csv_path):
    """Per metric, its cost per page at each region size (median over the
    loads, min-max beside it); the target is met when the highest of them
    is within 1.2x of the lowest, wherever they fall from the smallest
    region to the largest."""
    rows = sorted((r for r in load(csv_path, REGION_COLUMNS, ()) if r['case'] == 'region'),
                  key=lambda r: int(r['size_mb']))
    if len(rows) < 2:
        print('  n/a     per-page costs: fewer than two region sizes')
        return
    print(f'  note:   medians of {rows[0]["repeats"]} loads a size; a ratio is the '
          'highest cost per page over the lowest')
    for name, unit, col, _ in REGION_METRICS:
        pts = region_points(rows, col)
        if len(pts) < 2:
            print(f'  n/a     {name}: fewer than two sizes with a figure')
            continue
        hi = max(pts, key=lambda p: p[2])
        lo = min(pts, key=lambda p: p[2])
        ratio = hi[2] / lo[2]
        ends = pts[-1][2] / pts[0][2]
        per = ', '.join(f'{p[0]} MiB {p[2]:.4g}' + (f' ({p[3]:.4g}-{p[4]:.4g})'
                                                    if p[3] != p[4] else '') for p in pts)
        print(f'  {verdict(ratio <= 1.2)}  {name}: per-page cost within 1.2x from '
              f'{pts[0][0]} to {pts[-1][0]} MiB: {ratio:.2f}x (highest at {hi[0]} MiB, '
              f'lowest at {lo[0]} MiB; largest/smallest {ends:.2f}); {unit}: {per}')
        if col == 'reclaim_ns_per_page' and all(r.get('evicted_direct') for r in rows):
            print(f'  info    {name}: evicted by direct reclaim (the rest by kswapd), medians: ' +
                  ', '.join(f'{r["size_mb"]} MiB {r["evicted_direct"]} of {r["evicted"]}'
                            for r in rows))
        if unit == 'ns/frame':
            f = fixed_plus_linear(pts)
            if f:
                print(f'  info    {name}: least squares over the sizes: '
                      f'{f[0] / 1e6:.1f} ms fixed + {f[1]:.1f} ns/frame')


FAULT_SIZE_COLUMNS = ('case', 'row_kib', 'shadowmm_page_kib', 'anon_page_kib', 'memfd_page_kib',
                      'anon_large_want', 'anon_large_min', 'shadowmm_mibps', 'anon_mibps',
                      'memfd_mibps', 'shadowmm_fps', 'anon_fps', 'shadowmm_over_anon_bps',
                      'shadowmm_over_anon_fps')
FAULT_SIZE_SPREAD = ('shadowmm_min_ns', 'shadowmm_max_ns', 'anon_min_ns', 'anon_max_ns',
                     'memfd_min_ns', 'memfd_max_ns')
ROW_ANON = {4: 'THP off', 64: 'mTHP 64K', 2048: 'THP always'}


def kib_name(kib):
    return f'{kib // 1024} MiB' if kib >= 1024 else f'{kib} KiB'


def fault_sizes(csv_path):
    """First-touch writes at each page size: shadowmm (fault_order 0 at
    4 KiB, 4 above: 64 KiB blocks; huge always at 2 MiB: PMD mappings) against anonymous
    memory really faulted in pages of the row's size.  At the same page size faults/s and bytes/s compare alike; where
    shadowmm has no page of the row's size the verdict is on bytes/s, the
    rate at which the same memory becomes resident."""
    rows = {int(r['row_kib']): r for r in load(csv_path, FAULT_SIZE_COLUMNS, FAULT_SIZE_SPREAD)
            if r['case'] == 'fault_size'}
    if not rows:
        print('  n/a     first touch against anonymous memory: no rows')
        return
    mib = next(iter(rows.values()))['size_mib']
    print(f'  note:   {mib} MiB written, one byte every 4 KiB; "page" is the size each side '
          'really faulted in (range / minor faults)')

    def side(r, name, col, scale, unit, fmt='{:.0f}'):
        """A side's rate, median (slowest-fastest repeat), from its times."""
        lo, hi = num(r.get(name + '_max_ns')), num(r.get(name + '_min_ns'))
        med = num(r[name + '_ns'])
        v = num(r[col]) / scale
        extra = f' ({fmt.format(v * med / lo)}-{fmt.format(v * med / hi)})' if lo and hi and med else ''
        return f'{fmt.format(v)}{extra}{unit}'

    def rates(r, name):
        return (f'{name} {side(r, name, name + "_mibps", 1, " MiB/s")}, '
                f'{side(r, name, name + "_fps", 1000, "k faults/s", "{:.1f}")} at '
                f'{num(r[name + "_page_kib"]):g} KiB')

    for kib in sorted(rows):
        r = rows[kib]
        what = f'{kib_name(kib)} first touch, shadowmm >= 1.0x anon ({ROW_ANON.get(kib, "?")})'
        smm_kib, anon_kib = num(r['shadowmm_page_kib']), num(r['anon_page_kib'])
        want, got = int(r['anon_large_want'] or 0), int(r['anon_large_min'] or 0)
        if anon_kib != kib or (kib > 4 and got != want):
            print(f'  n/a     {what}: anon did not get {kib_name(kib)} pages (page {anon_kib} KiB, '
                  f'{got} of {want} large in its worst repeat): the row does not measure its size')
            continue
        sides = f'{rates(r, "shadowmm")}; {rates(r, "anon")}'
        bps, fps = num(r['shadowmm_over_anon_bps']), num(r['shadowmm_over_anon_fps'])
        if smm_kib == kib:
            print(f'  {verdict(fps >= 1.0)}  {what}: faults/s {fps:.3f}x [{sides}]')
        else:
            print(f'  {verdict(bps >= 1.0)}  {what}: shadowmm did not map {kib_name(kib)} pages; '
                  f'on bytes/s (= faults/s x page size): {bps:.3f}x [{sides}]')
            print(f'  info    {kib_name(kib)}: shadowmm\'s faults/s are {fps:.2f}x anon\'s, but each '
                  f'of its faults maps {smm_kib:g} KiB against anon\'s {anon_kib:g} KiB: not the target\'s measure')
        mf = num(r['memfd_mibps'])
        if mf:
            print(f'  info    {kib_name(kib)}: shadowmm/memfd bytes/s {num(r["shadowmm_mibps"]) / mf:.3f}x '
                  f'[{rates(r, "memfd")}]')
    if 4 in rows and 2048 in rows:
        a, b = num(rows[4]['shadowmm_mibps']), num(rows[2048]['shadowmm_mibps'])
        has_pmd = num(rows[2048]['shadowmm_page_kib']) == 2048
        how = f'{b / a:.2f}x' if a else 'n/a'
        note = '' if has_pmd else ('shadowmm mapped no PMD (a kernel without PMD-sized folios, '
                                   f'or no free 2 MiB block): its 2 MiB row maps smaller blocks, {how} the 4 KiB row')
        print(f'  {verdict(has_pmd and a and b / a >= 10)}  bytes/s with PMD mappings >= 10x the '
              f'4 KiB path: {note or how}')
        # The same ratio for the kernel's own anonymous memory in this run:
        # what a 2 MiB first touch gains over 4 KiB here, where zeroing the
        # page is a fixed cost per byte that no mapping size removes.
        ka, kb = num(rows[4]['anon_mibps']), num(rows[2048]['anon_mibps'])
        big = rows[2048]
        if ka and kb and num(big['anon_page_kib']) == 2048 and \
                int(big['anon_large_min'] or 0) == int(big['anon_large_want'] or 0):
            print(f'  info    the kernel\'s own in this run: THP bytes/s {kb / ka:.2f}x its 4 KiB path '
                  f'({kb:.0f} against {ka:.0f} MiB/s)')


COMPACTION_COLUMNS = ('case', 'repeats', 'blocks_theory', 'blocks_before', 'blocks_after',
                      'after_pct', 'migrated', 'migrated_per_s')
COMPACTION_SPREAD = ('blocks_before_min', 'blocks_before_max', 'blocks_after_min',
                     'blocks_after_max', 'after_pct_min', 'after_pct_max', 'migrated_per_s_min',
                     'migrated_per_s_max')


def compaction(csv_path):
    """Order-9 blocks a fragmented region (every other page held) has free
    before and after compaction, against what its free frames could make;
    pages compaction moved per second."""
    rows = [r for r in load(csv_path, COMPACTION_COLUMNS, COMPACTION_SPREAD)
            if r['case'] == 'compaction']
    if not rows:
        print('  n/a     compaction: no row')
        return
    r = rows[0]
    theory = num(r['blocks_theory'])
    pct = num(r['after_pct'])
    print(f'  note:   medians of {r["repeats"]} repeats: {r["pages_mapped"]} pages mapped, '
          f'{r["pages_held"]} held (every other one)')
    print(f'  {verdict(pct >= 90)}  order-9 blocks after compaction >= 90 % of the theoretical '
          f'(free frames / 512): {pct:.1f} %{spread(r, "after_pct_min", "after_pct_max", "{:.1f}")} '
          f'[{r["blocks_after"]}{spread(r, "blocks_after_min", "blocks_after_max", "{:.0f}")} of '
          f'{theory:.0f}]')
    before = num(r['blocks_before'])
    print(f'  info    before compaction: {before:.0f}'
          f'{spread(r, "blocks_before_min", "blocks_before_max", "{:.0f}")} of {theory:.0f} '
          f'({100 * before / theory if theory else 0:.1f} %)')
    lo, hi = num(r.get('compact_min_ns')), num(r.get('compact_max_ns'))
    ms = f' ({lo / 1e6:.1f}-{hi / 1e6:.1f})' if lo is not None and hi is not None else ''
    print(f'  info    pages migrated/s: {num(r["migrated_per_s"]):.0f}'
          f'{spread(r, "migrated_per_s_min", "migrated_per_s_max", "{:.0f}")} '
          f'({r["migrated"]} pages moved, {r.get("migrate_failed") or 0} not, in '
          f'{num(r["compact_ns"]) / 1e6:.1f}{ms} ms)')


def main(argv):
    benchmarks = {'page': (page, 1), 'slab': (slab, 2), 'policy': (policy, 1),
                  'reclaim': (reclaim, 1), 'regions': (regions, 1),
                  'fault_sizes': (fault_sizes, 1), 'compaction': (compaction, 1)}
    if len(argv) < 2 or argv[1] not in benchmarks or len(argv) != 2 + benchmarks[argv[1]][1]:
        sys.exit(f'usage: {argv[0]} page CSV | slab CSV TXT | policy CSV | reclaim CSV | regions CSV'
                 ' | fault_sizes CSV | compaction CSV')
    fn, _ = benchmarks[argv[1]]
    fn(*argv[2:])


if __name__ == '__main__':
    main(sys.argv)
