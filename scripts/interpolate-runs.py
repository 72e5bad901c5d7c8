#!/usr/bin/env python3
"""nDCG@10 of score_mode interpolate computed from two runs of the relevance evaluation, for runs made before
the plugin had it: the BM25 run (first-stage scores) and the replace run (the model's logits) of the same
top 100, blended as the plugin blends them (weight * norm(model) + (1 - weight) * norm(BM25), normalized
over each query's window, min_max or reciprocal rank 1 / (60 + rank)). Queries are every query of the qrels
file, as the evaluation counts them.

    scripts/interpolate-runs.py BM25.run REPLACE.run QRELS.tsv
"""
import sys, math, collections
def read_run(p):
    r=collections.defaultdict(dict)
    for l in open(p):
        q,_,d,rank,s,_=l.split(); r[q][d]=float(s)
    return r
def qrels(p):
    j=collections.defaultdict(dict)
    for i,l in enumerate(open(p)):
        if i==0: continue
        q,d,s=l.split('\t'); j[q][d]=int(s)
    return j
def ndcg(rank, judg, k=10):
    dcg=sum((judg.get(d,0))/math.log2(i+2) for i,d in enumerate(rank[:k]))
    ideal=sorted(judg.values(), reverse=True)[:k]
    idcg=sum(g/math.log2(i+2) for i,g in enumerate(ideal))
    return dcg/idcg if idcg>0 else 0
bm=read_run(sys.argv[1]); ce=read_run(sys.argv[2]); J=qrels(sys.argv[3])
def sortkey(x): return (-x[1], x[0])  # ties: docid asc (approx)
for norm in ['min_max','rrf']:
    row=[]
    for w in [0,0.25,0.5,0.75,1]:
        tot=0;n=0
        for q in J:
            n+=1
            if q not in bm or not any(v>0 for v in J[q].values()): continue
            docs=list(bm[q].keys())
            b=[bm[q][d] for d in docs]; c=[ce[q][d] for d in docs]
            if norm=='min_max':
                def mm(v):
                    lo,hi=min(v),max(v); return [1.0 if hi==lo else (x-lo)/(hi-lo) for x in v]
                nb,nc=mm(b),mm(c)
            else:
                def rr(v):
                    order=sorted(range(len(v)), key=lambda i:-v[i]); r=[0]*len(v)
                    for rank,i in enumerate(order): r[i]=1/(60+rank+1)
                    return r
                nb,nc=rr(b),rr(c)
            s={d: w*nc[i]+(1-w)*nb[i] for i,d in enumerate(docs)}
            rank=[d for d,_ in sorted(s.items(), key=lambda x:(-x[1], x[0]))]
            tot+=ndcg(rank,J[q])
        row.append(f"w={w}: {tot/n:.4f}")
    print(norm, n, ' '.join(row))
