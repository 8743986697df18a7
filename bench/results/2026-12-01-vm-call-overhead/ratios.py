import json, statistics as st, collections, sys, glob
bp, ap = sys.argv[1], sys.argv[2]
unit={}
def load(f):
    d=json.load(open(f)); r={}
    for b in d['benchmarks']:
        if b.get('aggregate_name')=='median': r[b['run_name']]=b['real_time']; unit[b['run_name']]=b.get('time_unit','ns')
    return r
rounds=sorted(int(f[len(bp)+1:-5]) for f in glob.glob(bp+'_*.json'))
ratios=collections.defaultdict(list); bef=collections.defaultdict(list); aft=collections.defaultdict(list)
for i in rounds:
    b=load(f'{bp}_{i}.json'); a=load(f'{ap}_{i}.json')
    for k in b:
        if k in a: ratios[k].append(a[k]/b[k]); bef[k].append(b[k]); aft[k].append(a[k])
print('%d rounds; medians over rounds of each round\'s median of 3'%len(rounds))
print('%-38s %10s %10s %4s %7s  %s'%('case','before','after','unit','ratio','per-round ratios'))
for k in sorted(ratios):
    print('%-38s %10.1f %10.1f %4s %7.3f  %s'%(k.replace('/real_time',''), st.median(bef[k]), st.median(aft[k]), unit[k], st.median(ratios[k]), ' '.join('%.2f'%x for x in ratios[k])))
