/**
 * The peers' published update rules on plain numbers (one flat vector, float64 host arithmetic),
 * statement by statement in the order of the authors' reference code (prodigyopt 1.1.2,
 * dadaptation 3.2, dog-optimizer 1.0.3, schedulefree 1.4 reference classes). They share nothing
 * with the tensor implementations, so a trajectory that agrees step by step pins those to the
 * references. Each oracle is `step(x, g) -> x_next` with its statistics readable afterwards.
 */
export type V = number[];

const dot = (a: V, b: V) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const l1 = (a: V) => a.reduce((s, x) => s + Math.abs(x), 0);
const norm = (a: V) => Math.sqrt(dot(a, a));

/** prodigyopt 1.1.2 `Prodigy.step`. */
export function prodigyOracle(o: {
  lr?: number;
  beta1?: number;
  beta2?: number;
  beta3?: number;
  eps?: number;
  weightDecay?: number;
  decouple?: boolean;
  useBiasCorrection?: boolean;
  safeguardWarmup?: boolean;
  d0?: number;
  dCoef?: number;
  growthRate?: number;
}) {
  const { lr = 1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decouple = true } = o;
  const { useBiasCorrection = false, safeguardWarmup = false, d0 = 1e-6, dCoef = 1 } = o;
  const growthRate = o.growthRate ?? Infinity;
  const beta3 = o.beta3 ?? Math.sqrt(beta2);
  const st = {
    k: 0,
    d: d0,
    dMax: d0,
    dNumerator: 0,
    dHat: d0,
    p0: [] as V,
    s: [] as V,
    m: [] as V,
    v: [] as V,
  };
  return {
    st,
    step(x: V, grad: V): V {
      if (st.k === 0 && st.p0.length === 0) {
        st.p0 = x.slice();
        st.s = x.map(() => 0);
        st.m = x.map(() => 0);
        st.v = x.map(() => 0);
      }
      const bc = useBiasCorrection ? (1 - beta2 ** (st.k + 1)) ** 0.5 / (1 - beta1 ** (st.k + 1)) : 1;
      const d = st.d;
      const dlr = d * lr * bc;
      let dNumerator = st.dNumerator * beta3;
      const g = grad.map((gi, i) => (weightDecay !== 0 && !decouple ? gi + weightDecay * x[i]! : gi));
      dNumerator +=
        (d / d0) *
        dlr *
        dot(
          g,
          st.p0.map((p, i) => p - x[i]!),
        );
      st.m = st.m.map((m, i) => m * beta1 + d * (1 - beta1) * g[i]!);
      st.v = st.v.map((v, i) => v * beta2 + d * d * (1 - beta2) * g[i]! * g[i]!);
      st.s = st.s.map((s, i) => s * beta3 + (d / d0) * (safeguardWarmup ? d : dlr) * g[i]!);
      const dDenom = l1(st.s);
      if (dDenom === 0) return x.slice();
      const dHat = (dCoef * dNumerator) / dDenom;
      let dn = d;
      if (dn === d0) dn = Math.max(dn, dHat);
      st.dMax = Math.max(st.dMax, dHat);
      dn = Math.min(st.dMax, dn * growthRate);
      Object.assign(st, { dNumerator, dHat, d: dn, k: st.k + 1 });
      return x.map((xi, i) => {
        const denom = Math.sqrt(st.v[i]!) + dn * eps;
        let y = xi;
        if (weightDecay !== 0 && decouple) y += -weightDecay * dlr * xi;
        return beta1 > 0 ? y - (dlr * st.m[i]!) / denom : y - (dlr * dn * g[i]!) / denom;
      });
    },
  };
}

/** dadaptation 3.2 `DAdaptAdam.step`. */
export function dAdaptAdamOracle(o: {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  decouple?: boolean;
  useBiasCorrection?: boolean;
  d0?: number;
  growthRate?: number;
}) {
  const { lr = 1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decouple = false } = o;
  const { useBiasCorrection = false, d0 = 1e-6, growthRate = Infinity } = o;
  const st = { k: 0, d: d0, numeratorWeighted: 0, s: [] as V, m: [] as V, v: [] as V };
  return {
    st,
    step(x: V, grad: V): V {
      if (st.s.length === 0) [st.s, st.m, st.v] = [x.map(() => 0), x.map(() => 0), x.map(() => 0)];
      const bc = useBiasCorrection ? (1 - beta2 ** (st.k + 1)) ** 0.5 / (1 - beta1 ** (st.k + 1)) : 1;
      const d = st.d;
      const dlr = d * lr * bc;
      const q = beta2 ** 0.5;
      const g = grad.map((gi, i) => (weightDecay !== 0 && !decouple ? gi + weightDecay * x[i]! : gi));
      const denomOld = st.v.map((v) => Math.sqrt(v) + eps);
      const acc =
        dlr *
        dot(
          g,
          st.s.map((s, i) => s / denomOld[i]!),
        );
      st.m = st.m.map((m, i) => m * beta1 + dlr * (1 - beta1) * g[i]!);
      st.v = st.v.map((v, i) => v * beta2 + (1 - beta2) * g[i]! * g[i]!);
      st.s = st.s.map((s, i) => s * q + dlr * (1 - q) * g[i]!);
      const skL1 = l1(st.s);
      if (skL1 === 0) return x.slice();
      const numeratorWeighted = q * st.numeratorWeighted + (1 - q) * acc;
      const dHat = numeratorWeighted / ((1 - q) * skL1);
      Object.assign(st, { numeratorWeighted, d: Math.max(d, Math.min(dHat, d * growthRate)), k: st.k + 1 });
      return x.map((xi, i) => {
        let y = xi;
        if (weightDecay !== 0 && decouple) y += -weightDecay * dlr * xi;
        return y - st.m[i]! / (Math.sqrt(st.v[i]!) + eps);
      });
    },
  };
}

/** dadaptation 3.2 `DAdaptSGD.step`. */
export function dAdaptSgdOracle(o: {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  d0?: number;
  growthRate?: number;
}) {
  const { lr = 1, momentum = 0, weightDecay = 0, d0 = 1e-6, growthRate = Infinity } = o;
  const st = { k: 0, d: d0, numeratorWeighted: 0, g0Norm: 0, s: [] as V, x0: [] as V };
  return {
    st,
    step(x: V, grad: V): V {
      const ck = 1 - momentum;
      if (st.k === 0) st.g0Norm = norm(grad); // the reference's `grad.add(...)` here is out of place
      if (st.s.length === 0) [st.s, st.x0] = [x.map(() => 0), x.slice()];
      const dlr = (st.d * lr) / st.g0Norm;
      const g = grad.map((gi, i) => (weightDecay !== 0 ? gi + weightDecay * x[i]! : gi));
      const numeratorWeighted = st.numeratorWeighted + dlr * dot(g, st.s);
      st.s = st.s.map((s, i) => s + dlr * g[i]!);
      const skSq = dot(st.s, st.s);
      const dHat = (2 * numeratorWeighted) / Math.sqrt(skSq);
      const d = Math.max(st.d, Math.min(dHat, st.d * growthRate));
      if (skSq === 0) return x.slice();
      Object.assign(st, { numeratorWeighted, d, k: st.k + 1 });
      return x.map((xi, i) => xi * (1 - ck) + (st.x0[i]! - st.s[i]!) * ck);
    },
  };
}

/** dog-optimizer 1.0.3 `DoG.step`. */
export function dogOracle(o: {
  lr?: number;
  repsRel?: number;
  eps?: number;
  initEta?: number;
  weightDecay?: number;
}) {
  const { lr = 1, eps = 1e-8, weightDecay = 0, initEta } = o;
  const repsRel = initEta !== undefined ? 0 : (o.repsRel ?? 1e-6);
  const st = { first: true, x0: [] as V, rbar: 0, G: 0, eta: 0 };
  return {
    st,
    step(x: V, grad: V): V {
      if (st.first) st.x0 = x.slice();
      const g = grad.map((gi, i) => (weightDecay > 0 ? gi + weightDecay * x[i]! : gi));
      if (st.first) {
        st.rbar = repsRel * (1 + norm(x));
        st.G = dot(g, g) + eps;
      } else {
        st.rbar = Math.max(st.rbar, norm(x.map((xi, i) => xi - st.x0[i]!)));
        st.G += dot(g, g);
      }
      st.eta = (lr * st.rbar) / Math.sqrt(st.G);
      if (st.first && initEta !== undefined) st.eta = initEta;
      st.first = false;
      return x.map((xi, i) => xi - st.eta * g[i]!);
    },
  };
}

/** schedulefree 1.4 `SGDScheduleFreeReference.step` (`adam` false) and `AdamWScheduleFreeReference.step`. */
export function scheduleFreeOracle(
  adam: boolean,
  o: {
    lr?: number;
    momentum?: number;
    beta1?: number;
    beta2?: number;
    eps?: number;
    weightDecay?: number;
    warmupSteps?: number;
    r?: number;
    weightLrPower?: number;
  },
) {
  const { lr: lr0 = adam ? 0.0025 : 1, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = o;
  const { warmupSteps = 0, r = 0, weightLrPower = 2 } = o;
  const b1 = adam ? (o.beta1 ?? 0.9) : (o.momentum ?? 0.9);
  const st = { k: 0, weightSum: 0, lrMax: -1, z: [] as V, x: [] as V, y: [] as V, v: [] as V };
  return {
    st,
    step(p: V, grad: V): V {
      if (st.z.length === 0) [st.z, st.x, st.y, st.v] = [p.slice(), p.slice(), p.slice(), p.map(() => 0)];
      const sched = st.k < warmupSteps ? (st.k + 1) / warmupSteps : 1;
      const lr = lr0 * sched;
      st.lrMax = Math.max(lr, st.lrMax);
      const weight = (st.k + 1) ** r * st.lrMax ** weightLrPower;
      st.weightSum += weight;
      const ckp1 = st.weightSum === 0 ? 0 : weight / st.weightSum;
      const bc2 = 1 - beta2 ** (st.k + 1);
      for (let i = 0; i < p.length; i++) {
        let g = grad[i]!;
        if (adam) {
          if (weightDecay !== 0) st.z[i] = st.z[i]! - lr * weightDecay * st.y[i]!;
          st.v[i] = st.v[i]! * beta2 + (1 - beta2) * g * g;
          st.z[i] = st.z[i]! - (lr * g) / (Math.sqrt(st.v[i]! / bc2) + eps);
        } else {
          if (weightDecay !== 0) g += weightDecay * st.y[i]!;
          st.z[i] = st.z[i]! - lr * g;
        }
        st.x[i] = st.x[i]! * (1 - ckp1) + st.z[i]! * ckp1;
        st.y[i] = st.x[i]! * b1 + st.z[i]! * (1 - b1);
      }
      st.k += 1;
      return st.y.slice();
    },
  };
}
