package org.crossencoder.opensearch.rescore;

import org.junit.Test;

import java.util.Random;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThan;

public class CrossEncoderRescorerTests {

    @Test
    public void hitsBelowTheWindowRankStrictlyAfterEveryRerankedHit() {
        // Found by a test on a real node: the shifted first-stage score rounded back up to the lowest logit. The plain
        // nextDown(lowest) - highest shift fails this for about a quarter of these pairs.
        Random random = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            float lowestReranked = (random.nextFloat() - 0.5f) * (float) Math.pow(10, random.nextInt(5));
            float highestBelow = random.nextFloat() * (float) Math.pow(10, random.nextInt(5));
            float shift = CrossEncoderRescorer.belowWindowShift(lowestReranked, highestBelow);
            assertThat(lowestReranked + " / " + highestBelow, highestBelow + shift, lessThan(lowestReranked));
        }
    }
}
